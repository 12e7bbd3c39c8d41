"""Send one-key commands to the cluster nodes serving their slots, every node at once, one request each.

redis-py's cluster pipeline does the same with per-command routing machinery that costs more CPU than the
round trip it saves on a warm page; this is the short path for the cache's steps. Whatever a node does not
answer as asked (MOVED or ASK after a failover or a slot migration, TRYAGAIN) is sent again through the
cluster client, which follows the cluster's new shape. A node that cannot be connected to is tried again
after a reload of the slot map (as often as the client retries: a master replaced by its replica); one that
stops answering mid-request raises at once (the breaker takes over), after the same reload.
"""

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from redis.crc import key_slot
from redis.exceptions import AskError, MovedError, NoScriptError, ResponseError, TryAgainError

from .. import clients
from .single import _unlock

# The first key of each command sent here, by command name (EVALSHA: sha, numkeys, key ...).
KEY_AT = {"EVALSHA": 3}


class Step:
    """Commands for every node, each with a handler for its reply, sent at once (``slots.send``)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.commands: list[tuple] = []
        self.handlers: list[tuple[Callable[[Any], None], Callable[[], Any] | None]] = []

    def add(self, handler: Callable[[Any], None], *command) -> None:
        self.commands.append(command)
        self.handlers.append((handler, None))

    def unlock(self, lock: str, token: str) -> None:
        """Queue a compare-and-delete of ``lock`` (EVALSHA; loaded on a node that lacks it)."""
        self.commands.append(("EVALSHA", _unlock.sha, 1, lock, token))
        self.handlers.append((lambda _: None, lambda: _unlock(keys=[lock], args=[token], client=self.conn)))

    def run(self) -> None:
        if not self.commands:
            return
        for (handler, reload), reply in zip(self.handlers, send(self.conn, self.commands)):
            if isinstance(reply, NoScriptError) and reload is not None:
                reply = reload()  # a node that has not seen the script yet (new, restarted, promoted)
            elif isinstance(reply, Exception):
                raise reply
            handler(reply)


def send(conn, commands: Sequence[tuple]) -> list[Any]:
    """Return the replies to ``commands`` in order; an error reply is returned as its exception."""
    taken = _connect(conn, commands)
    replies: list[Any] = [None] * len(commands)
    read = 0
    try:
        for _, connection, indexes in taken:
            connection.send_packed_command(connection.pack_commands([commands[i] for i in indexes]), False)
        for _, connection, indexes in taken:
            for i in indexes:
                try:
                    replies[i] = connection.read_response()
                except ResponseError as exc:
                    replies[i] = exc
            read += 1
    except clients.ERRORS:
        _reload(conn)
        raise
    finally:
        for n, (pool, connection, _) in enumerate(taken):
            if n >= read:
                connection.disconnect()  # replies left unread must not reach the next user
            pool.release(connection)
    for i, reply in enumerate(replies):
        if isinstance(reply, MovedError | AskError | TryAgainError):
            command = commands[i]
            options = {"get": True} if command[0] == "SET" and "GET" in command else {}  # reply: the old value
            try:
                replies[i] = conn.execute_command(*command, **options)
            except ResponseError as exc:
                replies[i] = exc
    return replies


def _connect(conn, commands: Sequence[tuple]) -> list[tuple[Any, Any, list[int]]]:
    """Return a connection to each node serving ``commands``' slots, with the indexes of its commands.

    Nothing is sent before every node has a connection, so a node that cannot be reached (one replaced by
    its replica) is retried, after a reload of the slot map, as often as the client retries.
    """
    retries = conn.retry.get_retries()
    for attempt in range(retries + 1):
        taken = []
        try:
            for node, indexes in _by_node(conn, commands):
                pool = conn.get_redis_connection(node).connection_pool
                taken.append((pool, pool.get_connection(), indexes))
            return taken
        except clients.ERRORS:
            for pool, connection, _ in taken:
                pool.release(connection)
            _reload(conn)
            if attempt == retries:
                raise
    raise AssertionError("unreachable")


def _by_node(conn, commands: Sequence[tuple]) -> list[tuple[Any, list[int]]]:
    """Return each node the slot map names for ``commands``' keys, with the indexes of its commands."""
    groups: dict[str, tuple[Any, list[int]]] = {}
    for i, command in enumerate(commands):
        key = command[KEY_AT.get(command[0], 1)]
        node = conn.nodes_manager.get_node_from_slot(key_slot(key.encode() if isinstance(key, str) else key))
        groups.setdefault(node.name, (node, []))[1].append(i)
    return list(groups.values())


def _reload(conn) -> None:
    with contextlib.suppress(clients.ERRORS):  # no node answers yet: the next attempt reloads again
        conn.nodes_manager.initialize()

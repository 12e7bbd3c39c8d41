"""The API's views, one module per area; thin: parse input, call a selector or service, serialize."""

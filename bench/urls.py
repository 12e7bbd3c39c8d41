"""URLconf of the bare benchmark server (config.settings.bench_floor): the floor and hello, nothing else."""

from django.urls import path

from bench.views import floor, hello

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/hello/", hello, name="bench_hello"),
]

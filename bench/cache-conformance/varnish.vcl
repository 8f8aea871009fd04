# Varnish with its built-in behaviour, as the suite's own Docker setup runs it.
vcl 4.1;
backend default {
  .host = "127.0.0.1";
  .port = "8000";
}

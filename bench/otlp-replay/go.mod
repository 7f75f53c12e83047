module mcptap/bench/otlp-replay

go 1.22

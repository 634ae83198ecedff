"""Built-in tasks: core (constants, functions, operators), control flow, shell, flow runs."""

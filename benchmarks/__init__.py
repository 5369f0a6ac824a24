"""tui-chat's benchmarks: `python -m benchmarks` prints every figure next to its target."""

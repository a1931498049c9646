"""Example plugin: prints a greeting and the Python version it runs on."""
import sys


def main() -> int:
    version = ".".join(str(part) for part in sys.version_info[:3])
    print(f"Hello from the example plugin, running on Python {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

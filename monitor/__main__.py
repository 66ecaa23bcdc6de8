"""Allow `python -m monitor`."""

from monitor.cli.main import main

# Why the guard: the collectors' helper process is started with `spawn`, which imports the
# parent's main module (this one, under `python -m monitor`) again in the new process.
if __name__ == "__main__":
    main()

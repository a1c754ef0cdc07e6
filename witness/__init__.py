"""A witness of the audit log: a service of its own (C2SP tlog-witness) that cosigns a checkpoint
only when it extends the last one it cosigned. It imports the standalone verifier and nothing
of the applications, keeps its key and its state in its own directory, and runs on the
institution's own machine if the institution wishes."""

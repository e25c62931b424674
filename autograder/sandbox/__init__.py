"""Running untrusted submission code: the grader's side (host.py), the worker process (worker.py), and the
wire format between them (wire.py). The worker imports only NumPy, wire.py and itself."""

"""What servers and balancers ask the app: whether it can serve (`/healthz`)."""

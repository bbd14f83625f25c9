"""The deployment recipe (nginx, systemd, container) and what runs its nginx config locally."""

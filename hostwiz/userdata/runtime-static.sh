# --- runtime: static files; nginx serves /srv/app/public directly ----------------------
step "runtime: static (nothing to install)"

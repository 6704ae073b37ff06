# --- app: none; nginx serves the web root ----------------------------------------------
restart_app() { :; }

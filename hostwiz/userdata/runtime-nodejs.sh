# --- runtime: Node.js from the distribution -------------------------------------------
step "runtime: nodejs"
pkg_install "${RUNTIME_PACKAGES[@]}"
log "node $(node --version)"

# --- runtime: Node.js from the distribution -------------------------------------------
step "runtime: nodejs"
pkg_install "${RUNTIME_PACKAGES[@]}"
node --version

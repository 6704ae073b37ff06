# --- runtime: Docker from the distribution --------------------------------------------
step "runtime: docker"
pkg_install "${RUNTIME_PACKAGES[@]}"
systemctl enable --now docker

# --- runtime: Ruby from the distribution (bundler included) ---------------------------
step "runtime: ruby"
pkg_install "${RUNTIME_PACKAGES[@]}"
ruby --version

# --- runtime: Python 3 from the distribution, a venv for the app ----------------------
step "runtime: python"
pkg_install "${RUNTIME_PACKAGES[@]}"
[ -x /srv/app/venv/bin/python ] || runuser -u app -- python3 -m venv /srv/app/venv
/srv/app/venv/bin/python --version

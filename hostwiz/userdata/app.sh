# --- app: an unprivileged user, its directories, an environment file only root reads ---
step "app user and directories"
id app >/dev/null 2>&1 || useradd --system --user-group --home-dir /srv/app --shell "$(nologin_shell)" app
install -d -m 0755 -o app -g app /srv/app /srv/app/public
install -d -m 0700 /etc/hostwiz
[ -f "$APP_ENV" ] || install -m 0600 /dev/null "$APP_ENV"

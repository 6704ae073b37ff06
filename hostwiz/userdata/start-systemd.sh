# --- app: a systemd service as the app user, restarted always -------------------------
restart_app() {
    systemctl daemon-reload
    systemctl enable hostwiz-app.service
    systemctl restart hostwiz-app.service
}
step "app: systemd service hostwiz-app"
restart_app

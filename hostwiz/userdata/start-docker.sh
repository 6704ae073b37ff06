# --- app: a restart-always container, unprivileged, reachable only from nginx ----------
start_app() {
    docker run -d --name hostwiz-app --restart always --user 65534:65534 --read-only --cap-drop ALL \
        --env-file "$APP_ENV" -p "127.0.0.1:$APP_PORT:8080" \
        -v /srv/app/public:/www:ro busybox:stable httpd -f -p 8080 -h /www
}
restart_app() {
    docker rm -f hostwiz-app >/dev/null 2>&1 || true
    start_app
}
step "app: container"
restart_app

# --- app: a PHP-FPM pool as the app user on the app port; the stock pool is disabled ---
restart_app() {
    systemctl daemon-reload
    systemctl enable "$PHP_FPM_SERVICE"
    systemctl restart "$PHP_FPM_SERVICE"
}
step "app: php-fpm pool"
[ ! -f "$PHP_POOL_DIR/www.conf" ] || mv "$PHP_POOL_DIR/www.conf" "$PHP_POOL_DIR/www.conf.disabled"
restart_app

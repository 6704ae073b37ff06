# --- runtime: PHP-FPM from the distribution -------------------------------------------
step "runtime: php"
pkg_install "${RUNTIME_PACKAGES[@]}"
PHP_VERSION=$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
PHP_POOL_DIR=/etc/php/$PHP_VERSION/fpm/pool.d
PHP_FPM_SERVICE=php$PHP_VERSION-fpm
log "php $PHP_VERSION"

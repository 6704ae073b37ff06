# --- runtime: PHP-FPM from the distribution -------------------------------------------
step "runtime: php"
pkg_install "${RUNTIME_PACKAGES[@]}"
PHP_POOL_DIR=/etc/php-fpm.d
PHP_FPM_SERVICE=php-fpm
php --version

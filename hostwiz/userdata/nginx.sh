# --- nginx: on port 80 in front of the app (certbot adds 443) --------------------------
step "nginx"
pkg_install nginx
cat > "$(nginx_site)" <<'HOSTWIZ_EOF'
@@{nginx_conf}
HOSTWIZ_EOF
enable_nginx_site
nginx -t
systemctl enable nginx
systemctl restart nginx

step "health check through nginx"
curl -sf --retry 30 --retry-connrefused --retry-delay 2 http://127.0.0.1/health

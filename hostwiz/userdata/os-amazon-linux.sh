# --- os: Amazon Linux 2023 (dnf, firewalld, dnf-automatic) -----------------------------
pkg_install() { dnf install -y -q "$@"; }
nologin_shell() { echo /sbin/nologin; }
nginx_site() { echo /etc/nginx/conf.d/hostwiz.conf; }

# The stock nginx.conf has its own port-80 server; hostwiz's site is the default server.
enable_nginx_site() { sed -i 's/ default_server//' /etc/nginx/nginx.conf; }

enable_updates() {
    pkg_install dnf-automatic
    sed -i -e 's/^upgrade_type *=.*/upgrade_type = security/' \
        -e 's/^apply_updates *=.*/apply_updates = yes/' /etc/dnf/automatic.conf
    systemctl enable --now dnf-automatic.timer
}

enable_firewall() {
    pkg_install firewalld
    systemctl enable --now firewalld
    firewall-cmd --permanent --add-service=ssh --add-service=http --add-service=https
    firewall-cmd --reload
}

# Amazon Linux 2023 has no certbot package: certbot's own pip install in a venv, and a
# systemd timer for renewal.
install_certbot() {
    python3 -m venv /opt/certbot
    /opt/certbot/bin/pip install -q --upgrade pip
    /opt/certbot/bin/pip install -q certbot certbot-nginx
    ln -sf /opt/certbot/bin/certbot /usr/bin/certbot
    cat > /etc/systemd/system/hostwiz-certbot-renew.service <<'HOSTWIZ_EOF'
[Unit]
Description=hostwiz: renew Let's Encrypt certificates

[Service]
Type=oneshot
ExecStart=/usr/bin/certbot renew -q --deploy-hook "systemctl reload nginx"
HOSTWIZ_EOF
    cat > /etc/systemd/system/hostwiz-certbot-renew.timer <<'HOSTWIZ_EOF'
[Unit]
Description=hostwiz: renew Let's Encrypt certificates twice a day

[Timer]
OnCalendar=*-*-* 00,12:00:00
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
HOSTWIZ_EOF
    systemctl daemon-reload
    systemctl enable --now hostwiz-certbot-renew.timer
}

# SSM reads use the instance role's credentials from IMDSv2, through the preinstalled AWS CLI.
install_ssm_reader() { command -v aws >/dev/null || pkg_install awscli-2; }
ssm_get() {
    aws ssm get-parameter --region "$REGION" --name "$1" --with-decryption \
        --query Parameter.Value --output text
}

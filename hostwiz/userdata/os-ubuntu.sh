# --- os: Ubuntu (apt, ufw, unattended-upgrades) ----------------------------------------
export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_SUSPEND=1  # no needrestart prompt or service restarts in the middle of the bootstrap
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold)

pkg_install() { apt-get "${APT_OPTS[@]}" install --no-install-recommends "$@"; }
nologin_shell() { echo /usr/sbin/nologin; }
nginx_site() { echo /etc/nginx/sites-available/hostwiz; }

enable_nginx_site() {
    ln -sf /etc/nginx/sites-available/hostwiz /etc/nginx/sites-enabled/hostwiz
    rm -f /etc/nginx/sites-enabled/default
}

enable_updates() {
    pkg_install unattended-upgrades
    cat > /etc/apt/apt.conf.d/20auto-upgrades <<'HOSTWIZ_EOF'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
HOSTWIZ_EOF
    systemctl enable --now unattended-upgrades.service
}

enable_firewall() {
    pkg_install ufw
    ufw allow 22/tcp
    ufw allow 80/tcp
    ufw allow 443/tcp
    ufw --force enable
}

# certbot from the distribution; its package enables certbot.timer for renewal.
install_certbot() {
    pkg_install certbot python3-certbot-nginx
    systemctl enable --now certbot.timer
}

# SSM reads use the instance role's credentials from IMDSv2, through the distribution's boto3.
install_ssm_reader() { pkg_install python3-boto3; }
ssm_get() {
    python3 - "$REGION" "$1" <<'HOSTWIZ_PY'
import sys
import boto3
ssm = boto3.client("ssm", region_name=sys.argv[1])
print(ssm.get_parameter(Name=sys.argv[2], WithDecryption=True)["Parameter"]["Value"])
HOSTWIZ_PY
}

step "packages index"
apt-get "${APT_OPTS[@]}" update

# --- base: automatic security updates, host firewall ------------------------------------
step "automatic security updates"
enable_updates

step "firewall: allow 22, 80, 443"
enable_firewall

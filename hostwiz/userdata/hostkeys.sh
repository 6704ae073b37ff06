# --- host keys to the console, first of all -------------------------------------------------
# hostwiz pins the instance's SSH host keys from its console output before the first connection.
# cloud-init prints them only when it finishes, after this whole script (which may wait long for
# DNS and the database), so the bootstrap prints them itself, in cloud-init's format, at once.
print_host_keys() {
    local pub
    {
        echo "-----BEGIN SSH HOST KEY KEYS-----"
        for pub in /etc/ssh/ssh_host_*_key.pub; do
            if [ -r "$pub" ]; then cat "$pub"; fi
        done
        echo "-----END SSH HOST KEY KEYS-----"
    } > /dev/console 2>/dev/null || true
}
print_host_keys

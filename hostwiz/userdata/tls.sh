# --- tls: wait until the names resolve to this instance, then certbot (renewal on) -----
resolves_here() {  # NAME IP
    getent ahostsv4 "$1" | awk '{print $1}' | grep -qxF "$2"
}

obtain_certificate() {
    local ip="" name deadline=$((SECONDS + DNS_WAIT_SECONDS))
    local ready=() args=()
    while :; do
        ip=$(imds public-ipv4) || ip=""
        ready=()
        for name in "${DOMAIN_NAMES[@]}"; do
            if [ -n "$ip" ] && resolves_here "$name" "$ip"; then ready+=("$name"); fi
        done
        if [ "${#ready[@]}" -eq "${#DOMAIN_NAMES[@]}" ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
        sleep 20
    done
    if [ "${#ready[@]}" -eq 0 ]; then
        log "tls: ${DOMAIN_NAMES[*]} do not resolve to ${ip:-this instance} after $((DNS_WAIT_SECONDS / 60)) min"
        return 1
    fi
    log "tls: ${ready[*]} resolve to $ip"
    install_certbot || return 1
    for name in "${ready[@]}"; do args+=(-d "$name"); done
    certbot --nginx --non-interactive --agree-tos --register-unsafely-without-email --redirect "${args[@]}" || return 1
    log "tls: certificate for ${ready[*]} installed; nginx serves 443 and redirects 80; renewal is on"
    if [ "${#ready[@]}" -ne "${#DOMAIN_NAMES[@]}" ]; then
        warn "tls: the certificate covers only ${ready[*]}"
    fi
}

# In the background: DNS may take long to point here (a zone not yet delegated), and the database
# step must not wait for it. `tls_wait` (in finish) collects the outcome and its warnings.
tls_start() {
    TLS_WARNINGS=$(mktemp)
    # shellcheck disable=SC2030  # the subshell's own WARNINGS: written to $TLS_WARNINGS for tls_wait
    (
        WARNINGS=()
        obtain_certificate || warn "tls: no certificate, the site stays on http; once DNS points here run: sudo certbot --nginx ${DOMAIN_NAMES[*]/#/-d }"
        printf '%s\n' "${WARNINGS[@]}" > "$TLS_WARNINGS"
    ) &
    TLS_PID=$!
}

tls_wait() {
    local line
    if [ -z "${TLS_PID:-}" ]; then return 0; fi
    wait "$TLS_PID" || warn "tls: the certificate step ended unexpectedly"
    while IFS= read -r line; do
        # shellcheck disable=SC2031  # this is the main shell's WARNINGS
        if [ -n "$line" ]; then WARNINGS+=("$line"); fi
    done < "$TLS_WARNINGS"
    rm -f "$TLS_WARNINGS"
    TLS_PID=""
}

step "tls (in the background, beside the database step)"
tls_start

# --- finish -----------------------------------------------------------------------------
if declare -F tls_wait > /dev/null; then
    step "tls (waiting for the background step)"
    tls_wait
fi
CURRENT_STEP=finish
if [ "${#WARNINGS[@]}" -eq 0 ]; then
    log "bootstrap finished: success"
else
    log "bootstrap finished: success with ${#WARNINGS[@]} warning(s): ${WARNINGS[*]}"
fi

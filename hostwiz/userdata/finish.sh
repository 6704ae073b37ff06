# --- finish -----------------------------------------------------------------------------
CURRENT_STEP=finish
if [ "${#WARNINGS[@]}" -eq 0 ]; then
    log "bootstrap finished: success"
else
    log "bootstrap finished: success with ${#WARNINGS[@]} warning(s): ${WARNINGS[*]}"
fi

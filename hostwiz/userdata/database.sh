# --- database: DATABASE_URL from SSM Parameter Store into the app's environment --------
# The database is ready minutes after the instance boots: poll until hostwiz stored the URL.
# The value goes straight into a root-only file, never to this log.
fetch_database_url() {
    local url="" errors deadline=$((SECONDS + DB_WAIT_SECONDS))
    install_ssm_reader || return 1
    errors=$(mktemp)
    log "database: waiting for SSM parameter $DB_PARAMETER"
    until url=$(ssm_get "$DB_PARAMETER" 2>"$errors") && [ -n "$url" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "database: $DB_PARAMETER not readable after $((DB_WAIT_SECONDS / 60)) min: $(tail -n 1 "$errors")"
            rm -f "$errors"
            return 1
        fi
        sleep 20
    done
    rm -f "$errors"
    (umask 077 && printf 'DATABASE_URL=%s\n' "$url" > "$APP_ENV.new") || return 1
    mv "$APP_ENV.new" "$APP_ENV" || return 1
    restart_app || return 1
    log "database: DATABASE_URL is in $APP_ENV (0600, root only); the app was restarted"
}

step "database url"
fetch_database_url || warn "database: DATABASE_URL not set; check the instance role and $DB_PARAMETER, then write it to $APP_ENV"

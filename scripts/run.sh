#!/usr/bin/env bash
# Start soapscribe locally: make an API key, show how to use it, then serve.
set -euo pipefail
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
BIN=.venv/bin
key=$(SOAPSCRIBE_LOG_LEVEL=WARNING $BIN/soapscribe keys create --tenant local | tail -n 1)
if [[ $key != ss_* ]]; then
  echo "error: could not create an API key (see the message above)" >&2
  exit 1
fi
cat <<MSG

soapscribe is starting on http://$HOST:$PORT  (data in ${SOAPSCRIBE_DATA_DIR:-./var})

  API key: $key

Upload a recording with the patient's consent to it (or a transcript: -F transcript=@consultation.txt):
  curl -s -H "Authorization: Bearer $key" -F audio=@recording.wav -F consent_method=verbal -F "consent_confirmed_by=Dr Example" http://$HOST:$PORT/v1/consultations
Then poll the status and read the note:
  curl -s -H "Authorization: Bearer $key" http://$HOST:$PORT/v1/consultations/<id>
  curl -s -H "Authorization: Bearer $key" "http://$HOST:$PORT/v1/consultations/<id>/note?format=markdown"

API docs: http://$HOST:$PORT/docs
MSG
exec $BIN/soapscribe serve --host "$HOST" --port "$PORT"

#!/usr/bin/env bash
# make demo: Odoo 19.0 with ar24_lre, its demo data and the local AR24 emulator, on http://127.0.0.1:8069.
#
#   1. starts the AR24 emulator on 127.0.0.1:8024 (state in .build/demo/emulator.sqlite, stopped on exit);
#   2. creates the database ar24_demo with the module and demo data, or reuses it (upgraded when the code changed);
#   3. points every company at the emulator, links the admin user to an identified AR24 sender, imports the
#      sender's payment methods, links the entities to them and turns the AR24 jobs on;
#   4. the first time only: makes letters in every state through the real flow (avis électronique sent and
#      answered by the emulator's recipients, proofs downloaded, LRE letters waiting for the OTP code);
#   5. prints the URL, the login and the sender's TOTP secret, then runs Odoo in the foreground (Ctrl-C stops all).
#
# The interface is in French, the language of the property managers: French is loaded into the database and
# set on the admin user (AR24_DEMO_LANG=en_US for English). The emulator runs on .build/venv, set up the
# first time by scripts/python.sh (the only download, from PyPI; Odoo itself is never downloaded).
# Settings (environment variables): ODOO_PORT (8069), AR24_EMULATOR_PORT (8024), AR24_DEMO_DB (ar24_demo),
# AR24_DEMO_LANG (fr_FR), PYTHON (an interpreter with requirements.txt, instead of .build/venv),
# AR24_DEMO_RESET=1 (drop the database and the emulator state first, to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/.build"
DB=${AR24_DEMO_DB:-ar24_demo}
DEMO="$BUILD/demo"
[ "$DB" = ar24_demo ] || DEMO="$BUILD/demo-$DB"  # another database keeps its own emulator state
ODOO_PORT=${ODOO_PORT:-8069}
EMULATOR_PORT=${AR24_EMULATOR_PORT:-8024}
LANG_CODE=${AR24_DEMO_LANG:-fr_FR}
ODOO_URL="http://127.0.0.1:$ODOO_PORT"
EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT"
TOKEN=emulator-token
PRIVATE_KEY=emulator-private-key
CONF="$DEMO/odoo.conf"
STATE="$DEMO/emulator.sqlite"

say() { printf '\n=== %s\n' "$*"; }
die() { printf '\nmake demo: %s\n' "$*" >&2; exit 1; }

how_to_install_odoo() {
    cat >&2 <<'EOF'

make demo needs Odoo 19.0: an `odoo` command on PATH and a PostgreSQL server it can reach.
Install Odoo 19.0 in one of these ways (see https://www.odoo.com/documentation/19.0/administration/on_premise.html):

  * Official nightly packages (Debian/Ubuntu): add https://nightly.odoo.com/19.0/nightly/deb/ as an apt source,
    then `sudo apt-get install postgresql odoo` (the package provides the `odoo` command).
  * Source checkout:
        git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git ~/odoo19
        python3 -m venv ~/odoo19-venv && ~/odoo19-venv/bin/pip install -r ~/odoo19/requirements.txt
        ~/odoo19-venv/bin/pip install -r requirements.txt        # this module's extra libraries
    then put a wrapper named `odoo` on your PATH:
        mkdir -p ~/.local/bin && printf '#!/bin/sh\nexec ~/odoo19-venv/bin/python ~/odoo19/odoo-bin "$@"\n' > ~/.local/bin/odoo
        chmod +x ~/.local/bin/odoo
    and install PostgreSQL with a role for your user (`sudo -u postgres createuser -s $USER`).
  * Official container image: `docker run -d -e POSTGRES_USER=odoo -e POSTGRES_PASSWORD=odoo -e POSTGRES_DB=postgres
    --name db postgres:16` and `docker run -p 8069:8069 --link db:db -v $PWD:/mnt/extra-addons/ar24_lre odoo:19.0`
    make demo cannot drive a container: there, install "AR24 Registered Letters" from Apps and configure it by
    hand (README, "Configuration"), or use one of the two ways above for the one-command demo.

Then run `make demo` again.
EOF
}

# ------------------------------------------------------------------ prerequisites
if ! command -v odoo >/dev/null 2>&1; then
    echo "make demo: no 'odoo' command on PATH." >&2
    how_to_install_odoo
    exit 1
fi
version=$(odoo --version 2>/dev/null | tail -n 1 || true)
case "$version" in
    *19.0*) ;;
    *) echo "make demo: 'odoo --version' says '$version'; this module needs Odoo 19.0." >&2; how_to_install_odoo; exit 1 ;;
esac
command -v psql >/dev/null 2>&1 || die "the PostgreSQL client tools (psql, dropdb) are not on PATH (Debian: apt-get install postgresql-client)."
if command -v pg_isready >/dev/null 2>&1 && ! (pg_isready -q 2>/dev/null || pg_isready -h 127.0.0.1 -q 2>/dev/null); then
    die "PostgreSQL does not answer (pg_isready). Start it (e.g. 'sudo service postgresql start') and try again."
fi
case "$LANG_CODE" in
    fr_FR | en_US) ;;
    *) die "AR24_DEMO_LANG=$LANG_CODE: the module speaks fr_FR (the default) and en_US." ;;
esac
# the emulator's Python (pyotp, cryptography): .build/venv, set up the first time; one line when it cannot be
PYTHON=$(bash scripts/python.sh demo) || exit 1
port_busy() { "$PYTHON" -c "import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(0 if s.connect_ex(('127.0.0.1', int(sys.argv[1]))) == 0 else 1)" "$1"; }
port_busy "$EMULATOR_PORT" && die "port $EMULATOR_PORT is already in use (another AR24 emulator?). Stop it or set AR24_EMULATOR_PORT."
port_busy "$ODOO_PORT" && die "port $ODOO_PORT is already in use (another Odoo?). Stop it or set ODOO_PORT."

if [ -n "${AR24_DEMO_RESET:-}" ]; then
    say "AR24_DEMO_RESET: dropping database $DB and the emulator state"
    dropdb --if-exists "$DB"
    rm -rf "$DEMO" "$BUILD/odoo-data/filestore/$DB"
fi
mkdir -p "$DEMO" "$BUILD/addons" "$BUILD/odoo-data"
ln -sfn "$ROOT" "$BUILD/addons/ar24_lre"
cat > "$CONF" <<EOF
[options]
addons_path = $BUILD/addons
data_dir = $BUILD/odoo-data
http_interface = 127.0.0.1
http_port = $ODOO_PORT
dbfilter = ^$DB\$
EOF

# ------------------------------------------------------------------ AR24 emulator (background, stopped on exit)
EMULATOR_PID=""
RENDER_PID=""
stop_render_server() {
    if [ -n "$RENDER_PID" ] && kill -0 "$RENDER_PID" 2>/dev/null; then
        kill "$RENDER_PID" 2>/dev/null || true
        wait "$RENDER_PID" 2>/dev/null || true
    fi
    RENDER_PID=""
}
cleanup() {
    stop_render_server
    if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FRESH_STATE=1
[ -s "$STATE" ] && FRESH_STATE=0
say "AR24 emulator on $EMULATOR_URL/api/ (state $STATE, log $DEMO/emulator.log)"
"$PYTHON" -m ar24.emulator --host 127.0.0.1 --port "$EMULATOR_PORT" --token "$TOKEN" --private-key "$PRIVATE_KEY" \
    --state "$STATE" >> "$DEMO/emulator.log" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 1 50); do
    "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$EMULATOR_URL/_emulator/clock" \
        >/dev/null 2>&1 && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { tail -20 "$DEMO/emulator.log" >&2; die "the AR24 emulator did not start."; }
    sleep 0.2
done
"$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$EMULATOR_URL/_emulator/clock" \
    >/dev/null 2>&1 || { tail -20 "$DEMO/emulator.log" >&2; die "the AR24 emulator does not answer on $EMULATOR_URL."; }

# ------------------------------------------------------------------ database: create or reuse
module_state=$(psql -d "$DB" -tAq -c "SELECT state FROM ir_module_module WHERE name = 'ar24_lre'" 2>/dev/null || true)
fingerprint=$( { git ls-files -s; git diff HEAD; git ls-files --others --exclude-standard; } 2>/dev/null | sha1sum | cut -c1-40 || true)
if [ "$module_state" != "installed" ]; then
    say "creating database $DB with ar24_lre and its demo data (log $DEMO/install.log, about a minute)"
    if ! odoo -c "$CONF" -d "$DB" -i ar24_lre --with-demo --stop-after-init --log-level=info > "$DEMO/install.log" 2>&1; then
        tail -40 "$DEMO/install.log" >&2
        die "installing ar24_lre failed (see $DEMO/install.log)."
    fi
    echo "$fingerprint" > "$DEMO/module.fingerprint"
elif [ "$fingerprint" != "$(cat "$DEMO/module.fingerprint" 2>/dev/null)" ]; then
    say "reusing database $DB; the code changed since its last run: upgrading ar24_lre (log $DEMO/upgrade.log)"
    if ! odoo -c "$CONF" -d "$DB" -u ar24_lre --stop-after-init --log-level=info > "$DEMO/upgrade.log" 2>&1; then
        tail -40 "$DEMO/upgrade.log" >&2
        die "upgrading ar24_lre failed (see $DEMO/upgrade.log)."
    fi
    echo "$fingerprint" > "$DEMO/module.fingerprint"
else
    say "reusing database $DB (ar24_lre installed, code unchanged)"
fi
if [ "$(psql -d "$DB" -tAq -c "SELECT demo FROM ir_module_module WHERE name = 'ar24_lre'" 2>/dev/null)" != "t" ]; then
    echo "Note: database $DB has no demo data (it was not created by make demo). AR24_DEMO_RESET=1 make demo starts over."
fi

# ------------------------------------------------------------------ configuration and demo letters (odoo shell)
export AR24_DEMO_EMULATOR_URL="$EMULATOR_URL" AR24_DEMO_ODOO_URL="$ODOO_URL" AR24_DEMO_TOKEN="$TOKEN"
export AR24_DEMO_PRIVATE_KEY="$PRIVATE_KEY" AR24_DEMO_STATE="$STATE" AR24_DEMO_DIR="$DEMO" AR24_DEMO_FRESH_STATE="$FRESH_STATE"
export AR24_DEMO_LANG_CODE="$LANG_CODE"
rm -f "$DEMO/summary.json"

say "configuring $DB: $LANG_CODE interface, companies -> emulator, admin -> identified AR24 sender, payment methods, jobs (log $DEMO/configure.log)"
if ! odoo shell -c "$CONF" -d "$DB" --log-level=warn > "$DEMO/configure.log" 2>&1 <<'PYTHON'
import json
import os
import sqlite3

from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls
from odoo.addons.ar24_lre.ar24.errors import AR24ApiError

E = os.environ
controls = EmulatorControls(E["AR24_DEMO_EMULATOR_URL"])
sender_file = os.path.join(E["AR24_DEMO_DIR"], "sender.json")
admin = env.ref("base.user_admin")
copro = env.ref("ar24_lre.demo_company_port_grimaud", raise_if_not_found=False)
gerance = env.ref("ar24_lre.demo_company_gerance", raise_if_not_found=False)
first_time = admin.ar24_link_state != "linked"

# The property managers read French: load it for every installed module (once) and show it to the admin.
lang_code = E["AR24_DEMO_LANG_CODE"]
if lang_code != "en_US" and not env["res.lang"]._lang_get(lang_code):
    env["res.lang"]._activate_lang(lang_code)
    env["ir.module.module"].search([("state", "=", "installed")])._update_translations(lang_code)
admin.lang = lang_code

# Every company (entity) sends through the emulator; AR24 calls back this Odoo on each status change.
env["ir.config_parameter"].set_param("web.base.url", E["AR24_DEMO_ODOO_URL"])
companies = env["res.company"].search([])
companies.write(
    {
        "ar24_environment": "custom",
        "ar24_api_url": E["AR24_DEMO_EMULATOR_URL"] + "/api/",
        "ar24_token": E["AR24_DEMO_TOKEN"],
        "ar24_private_key": E["AR24_DEMO_PRIVATE_KEY"],
        "ar24_webhook_base_url": E["AR24_DEMO_ODOO_URL"],
    }
)
if first_time and copro and copro in admin.company_ids:
    admin.company_id = copro  # the property manager starts in the co-ownership

# The admin user is an identified AR24 sender (OTP key) with two payment methods.
email = admin.email_normalized or "admin@example.com"
names = (admin.name or "Demo Sender").split(" ", 1)
entity = (copro or admin.company_id).name
client = admin.company_id._ar24_client()
try:  # the emulator keeps its state: the sender of an earlier run is still there
    id_user = int(client.get_user(email=email)["id"])
    created = False
except AR24ApiError as exc:
    if exc.slug != "user_not_exist":
        raise
    info = controls.sender(email, names[0], names[-1], payment_methods=2, company=entity)
    id_user, created = info["id_user"], True
    with open(sender_file, "w") as handle:
        json.dump({"id_user": id_user, "email": email, "totp_secret": info["totp_secret"]}, handle)
secret = None
if os.path.exists(sender_file):
    with open(sender_file) as handle:
        saved = json.load(handle)
    secret = saved.get("totp_secret") if saved.get("id_user") == id_user else None
if not secret:  # the emulator's own record of the sender
    row = sqlite3.connect(E["AR24_DEMO_STATE"]).execute("SELECT data FROM users WHERE id = ?", (id_user,)).fetchone()
    secret = json.loads(row[0]).get("totp_secret") if row else None
stale = E.get("AR24_DEMO_FRESH_STATE") == "1" and bool(
    env["ar24.letter"].search_count([("ar24_id", "!=", 0)])
)
admin.write(
    {
        "ar24_email": email,
        "ar24_user_id": id_user,
        "ar24_link_state": "linked",
        "ar24_gender": admin.ar24_gender or "M",
    }
)
admin.with_user(admin).action_ar24_refresh()
env["ar24.payment.method"].with_user(admin).action_sync()

# Entities and payment methods (the LSC manual: one per building): cards for the co-ownerships, SEPA for rental
# management.
methods = env["ar24.payment.method"].search([("user_id", "=", admin.id)], order="slug desc")
card = methods.filtered(lambda m: m.method_type == "card")[:1] or methods[:1]
sepa = methods.filtered(lambda m: m.method_type == "sepa")[:1] or card
for company in companies.filtered(lambda c: not c.ar24_payment_method_id):
    company.ar24_payment_method_id = sepa if company == gerance else card
# and the admin's own links, as each sender makes them in "Manage payment methods for my account"
linked = env["ar24.sender.payment"].search([("user_id", "=", admin.id)]).company_id
for company in (companies & admin.company_ids) - linked:
    if company.ar24_payment_method_id in methods:
        env["ar24.sender.payment"].create(
            {"user_id": admin.id, "company_id": company.id, "payment_method_id": company.ar24_payment_method_id.id}
        )

# AR24's consent address book of the admin (a sender of the co-ownership): the consents the co-owners gave the
# co-ownership, and Jean Latour who answered AR24's request since ("Update LRE consent from AR24" on the contacts,
# or the nightly job, brings it into the co-ownership's consents). The landlord consented to the rental-management
# company only: he is not in it.
if created:
    domain = [("state", "=", "accepted"), ("email", "!=", False), ("company_id", "=", admin.company_id.id)]
    partners = env["ar24.consent"].search(domain).partner_id
    latour = env.ref("ar24_lre.demo_partner_latour", raise_if_not_found=False)
    for partner in partners | (latour or partners.browse()):
        first, _sep, last = partner.name.partition(" ")
        controls.consent(id_user, partner.ar24_email_normalized, "accepted", firstname=first, lastname=last or first)
companies[:1]._ar24_activate_jobs()
env.cr.commit()

summary = {
    "id_user": id_user,
    "email": email,
    "totp_secret": secret,
    "payment_methods": ["%s (%s)" % (m.name, m.slug) for m in methods],
    "stale": stale,
}
with open(os.path.join(E["AR24_DEMO_DIR"], "summary.json"), "w") as handle:
    json.dump(summary, handle)
print("AR24-DEMO configured", json.dumps(summary))
PYTHON
then
    tail -40 "$DEMO/configure.log" >&2
    die "configuring the demo failed (see $DEMO/configure.log)."
fi

# The first time only (the minutes to the co-owners are still drafts): letters in every state, made through
# the real flow. Their PDFs are rendered first while a temporary Odoo serves the report styles to wkhtmltopdf;
# AR24 is then played without any Odoo serving, so that no webhook races the script (AR24 retries them, the
# final Odoo receives them).
sql_demo_letter="SELECT l.state FROM ar24_letter l JOIN ir_model_data d ON d.res_id = l.id AND d.model = 'ar24.letter'
                 WHERE d.module = 'ar24_lre' AND d.name = 'demo_letter_pv_aloxe'"
if [ "$(psql -d "$DB" -tAq -c "$sql_demo_letter" 2>/dev/null || true)" = draft ]; then
    say "rendering the demo letters (temporary Odoo on $ODOO_URL, log $DEMO/render.log)"
    odoo -c "$CONF" -d "$DB" --max-cron-threads=0 > "$DEMO/render-server.log" 2>&1 &
    RENDER_PID=$!
    rendered=0
    for _ in $(seq 1 120); do
        if "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$ODOO_URL/web/login" \
            >/dev/null 2>&1; then
            odoo shell -c "$CONF" -d "$DB" --log-level=warn > "$DEMO/render.log" 2>&1 <<'PYTHON' && rendered=1
letters = env["ar24.letter"].browse()
for name in ("ag_aloxe", "ag_brouilly", "ag_cliquot", "pv_aloxe", "pv_brouilly", "pv_cliquot", "pv_lafitte",
             "pv_volnay", "pv_pommard", "pv_rolin", "loyer_locataire"):
    letters |= env.ref("ar24_lre.demo_letter_" + name, raise_if_not_found=False) or letters.browse()
env["ar24.letter.send"]._render_pdf(letters)
env.cr.commit()
PYTHON
            break
        fi
        kill -0 "$RENDER_PID" 2>/dev/null || break
        sleep 0.5
    done
    stop_render_server
    [ "$rendered" = 1 ] || echo "  (styles unavailable: the letters are rendered without them; see $DEMO/render.log)"

    say "demo letters: avis électronique sent and answered, LRE letters waiting for the OTP code (log $DEMO/letters.log)"
    if ! odoo shell -c "$CONF" -d "$DB" --log-level=warn > "$DEMO/letters.log" 2>&1 <<'PYTHON'
import os

from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls

controls = EmulatorControls(os.environ["AR24_DEMO_EMULATOR_URL"])
Letter = env["ar24.letter"]


def demo(*names):
    letters = Letter.browse()
    for name in names:
        letters |= env.ref("ar24_lre.demo_letter_" + name, raise_if_not_found=False) or Letter.browse()
    return letters


minutes = demo("pv_aloxe", "pv_brouilly", "pv_cliquot", "pv_lafitte", "pv_volnay", "pv_pommard", "pv_rolin")
if len(minutes) == 7 and set(minutes.mapped("state")) == {"draft"}:
    # Unclaimed: deposited 22 days ago (emulator clock moved back), never opened; then back to today.
    controls.advance(days=-22)
    demo("pv_rolin")._ar24_send()
    controls.advance(seconds=0)  # AR24 e-mails it to the recipient (sent, 22 days ago)
    controls.advance(days=22)  # the 21 days of the avis électronique ran out: negligence
    # Waiting: AR24 holds this one for three days before e-mailing it.
    controls.faults(send_delay_seconds=3 * 86400)
    demo("pv_volnay")._ar24_send()
    controls.faults(send_delay_seconds=0)
    # The others leave at once; AR24 refuses the one whose e-mail domain does not exist (error).
    demo("pv_aloxe", "pv_brouilly", "pv_cliquot", "pv_lafitte", "pv_pommard")._ar24_send()
    # The recipients: Denise reads it (AR), Alfred refuses it, Mathilde's mailbox bounces; Alexis has not read it.
    controls.recipient(demo("pv_aloxe").ar24_id, "accept")
    controls.recipient(demo("pv_brouilly").ar24_id, "refuse")
    controls.recipient(demo("pv_cliquot").ar24_id, "bounce")
    # A paper registered letter of the rental-management entity, received by the tenant.
    paper = demo("loyer_locataire")
    if paper.state == "draft":
        paper._ar24_send()
        if paper.ar24_id:
            controls.recipient(paper.ar24_id, "accept")
    # Statuses and proofs read back from AR24, as the 15-minute job does.
    Letter.search([("ar24_id", "!=", 0)]).action_ar24_refresh()
    # Qualified LRE: rendered and uploaded, waiting in "Awaiting OTP validation" for the sender's code.
    demo("ag_aloxe", "ag_brouilly", "ag_cliquot")._ar24_prepare_for_otp()
    env.cr.commit()
PYTHON
    then
        tail -40 "$DEMO/letters.log" >&2
        die "making the demo letters failed (see $DEMO/letters.log)."
    fi
fi
echo "Registered letters in $DB by state:"
psql -d "$DB" -tAq -F ': ' -c "SELECT state, COUNT(*) FROM ar24_letter GROUP BY state ORDER BY state" | sed 's/^/  /'

# ------------------------------------------------------------------ what to do now, then Odoo in the foreground
"$PYTHON" - "$DEMO/summary.json" "$ODOO_URL" "$EMULATOR_URL" "$DB" "$LANG_CODE" <<'PYTHON'
import json
import sys
from urllib.parse import quote

summary, odoo_url, emulator_url, db = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
# the menus as the admin sees them, in the language of the demo
TRY = {
    "fr_FR": """  Try: Lettres recommandées > En attente de validation OTP > select > Actions > Valider avec le code OTP;
       Contacts > co-owners > Actions > Envoyer en lettre recommandée (counts, error summary, recalculate);
       play a recipient: curl -X POST %(emu)s/_emulator/mails/<AR24 number>/accept   (or refuse, bounce)
       then "Actualiser depuis AR24" (or wait for the webhook).
  Interface in French (AR24_DEMO_LANG=en_US make demo for English). User guide: doc/guide-utilisateur.md""",
    "en_US": """  Try: Registered letters > Awaiting OTP validation > select > Actions > Validate with OTP;
       Contacts > co-owners > Actions > Send as registered letter (counts, error summary, recalculate);
       play a recipient: curl -X POST %(emu)s/_emulator/mails/<AR24 number>/accept   (or refuse, bounce)
       then "Refresh from AR24" (or wait for the webhook).""",
}[sys.argv[5]]
secret, id_user = summary["totp_secret"], summary["id_user"]
label = quote("AR24 emulator:%s" % summary["email"])
print(
    """
==============================================================================================
  AR24 registered letters - demo
  Odoo        %(odoo)s/odoo   (database %(db)s)
  Login       admin / password admin
  AR24        emulator on %(emu)s/api/ (stops with Odoo)
  Sender      %(email)s, AR24 account %(id)s, identified, payment methods: %(methods)s

  TOTP secret %(secret)s
              add it to any authenticator app (otpauth://totp/%(label)s?secret=%(secret)s&issuer=AR24),
              or read the current 6-digit code with:
                curl %(emu)s/_emulator/senders/%(id)s/otp

%(try)s
  Switch entity (top right) to see the letters of "Cabinet Gérance du Septentrion".
==============================================================================================
"""
    % {
        "odoo": odoo_url,
        "db": db,
        "emu": emulator_url,
        "email": summary["email"],
        "id": id_user,
        "methods": ", ".join(summary["payment_methods"]) or "none",
        "secret": secret or "(unknown: AR24_DEMO_RESET=1 make demo starts over)",
        "label": label,
        "try": TRY % {"emu": emulator_url},
    }
)
if summary.get("stale"):
    print(
        "WARNING: the emulator state was lost but this database holds letters already sent to it; their AR24 numbers\n"
        "mean nothing to the new emulator. AR24_DEMO_RESET=1 make demo starts over.\n"
    )
PYTHON

say "Odoo on $ODOO_URL (Ctrl-C stops Odoo and the emulator)"
odoo -c "$CONF" -d "$DB"

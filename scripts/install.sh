#!/usr/bin/env bash
# Install spt on Debian/Ubuntu: the system packages it drives, and a virtualenv in .venv.
#   bash scripts/install.sh         the service (LibreOffice, poppler, OCR, NSS tools)
#   bash scripts/install.sh --dev   plus what the tests drive (Dovecot, SoftHSM2, Chromium, Samba)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  python3 python3-venv python3-pip
  libreoffice-writer-nogui python3-uno fonts-liberation fonts-dejavu-core
  poppler-utils qpdf libnss3-tools
  tesseract-ocr tesseract-ocr-ind ocrmypdf ghostscript
  libtesseract-dev libleptonica-dev pkg-config g++ python3-dev
)
extras=""
if [ "${1:-}" = "--dev" ]; then
  packages+=(dovecot-imapd softhsm2 opensc chromium chromium-driver samba samba-vfs-modules smbclient)
  extras="[dev]"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -q
  # Dovecot's package tries to start the system service; the tests run their own.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# tesserocr is built against the system's libtesseract (the one the tesseract program uses):
# its wheel bundles a newer Tesseract that reads some scanned letter numbers differently.
.venv/bin/python -m pip install -q --no-binary tesserocr -e ".${extras}"
echo "spt installed in $(pwd)/.venv"

# RFIDGate: release binaries, `make install` for any distribution, `make deb` for Debian.
# docs/technician.md "Install from the package" says what goes where.
#
#   make release                  rfidgated + rfidgatectl, -c release --static-swift-stdlib,
#                                 stripped copies in .build/package/bin (sizes, NEEDED printed)
#   make deb                      dist/rfidgate_<version>_<arch>.deb (needs dpkg-dev, help2man)
#   make lintian                  make deb, then lintian on it (fails on errors)
#   make install [PREFIX=/usr/local] [DESTDIR=]   the same files, for other distributions
#   make uninstall [PREFIX=/usr/local] [DESTDIR=]
#
# The version lives in VERSION alone; the Debian revision is DEB_REVISION, and the top entry
# of packaging/debian/changelog must name both (checked).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := release

VERSION := $(shell cat VERSION)
DEB_REVISION := 1
DEB_VERSION := $(VERSION)-$(DEB_REVISION)
ARCH := $(shell dpkg --print-architecture 2>/dev/null || uname -m)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
# systemd and udev look in /usr/local/lib/... too, so PREFIX=/usr/local works as it is.
UNITDIR ?= $(LIBDIR)/systemd/system
SYSUSERSDIR ?= $(LIBDIR)/sysusers.d
TMPFILESDIR ?= $(LIBDIR)/tmpfiles.d
UDEVRULESDIR ?= $(LIBDIR)/udev/rules.d
# The unit reads /etc/rfidgate/rfidgate.toml whatever the PREFIX.
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/rfidgate
MANDIR ?= $(PREFIX)/share/man

SWIFT ?= swift
# -z now: full RELRO (lintian hardening-no-bindnow); a link flag only, objects are shared
# with any other --static-swift-stdlib release build.
SWIFT_BUILD_FLAGS ?= -c release --static-swift-stdlib -Xlinker -z -Xlinker now
PRODUCTS := rfidgated rfidgatectl
STAGE := .build/package
DIST := dist
PKGROOT := $(STAGE)/root
DEB := $(DIST)/rfidgate_$(DEB_VERSION)_$(ARCH).deb

INSTALL ?= install
STRIP ?= strip

.PHONY: release man install install-files uninstall deb lintian clean-package

# --- binaries -------------------------------------------------------------------------
# BIN_PATH=DIR packages binaries built elsewhere (no swift build here).
BIN_PATH ?=
release:
	@if [ -z "$(BIN_PATH)" ]; then for p in $(PRODUCTS); do \
	  echo "== swift build $(SWIFT_BUILD_FLAGS) --product $$p"; \
	  $(SWIFT) build $(SWIFT_BUILD_FLAGS) --product $$p 2>&1 | tail -n 3; \
	done; fi
	@bin=$${BIN_PATH:-$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)}; \
	mkdir -p $(STAGE)/bin; \
	for p in $(PRODUCTS); do \
	  cp "$$bin/$$p" $(STAGE)/bin/$$p.unstripped; \
	  $(STRIP) --strip-unneeded --remove-section=.comment --remove-section=.note \
	    -o $(STAGE)/bin/$$p $(STAGE)/bin/$$p.unstripped; \
	  chmod 0755 $(STAGE)/bin/$$p; \
	  printf '%-12s %6.1f MiB stripped (%6.1f MiB before strip)  NEEDED: %s\n' $$p \
	    "$$(stat -c %s $(STAGE)/bin/$$p | awk '{print $$1 / 1048576}')" \
	    "$$(stat -c %s $(STAGE)/bin/$$p.unstripped | awk '{print $$1 / 1048576}')" \
	    "$$(objdump -p $(STAGE)/bin/$$p | awk '/NEEDED/ {printf "%s ", $$2}')"; \
	done

# Manual pages from --help (help2man), so that `man rfidgated` matches the binary.
man: release
	@mkdir -p $(STAGE)/man
	help2man --no-info --no-discard-stderr --version-string=$(VERSION) --section=8 \
	  --name="library RFID security gate and self-checkout daemon" \
	  --output=$(STAGE)/man/rfidgated.8 $(STAGE)/bin/rfidgated
	help2man --no-info --no-discard-stderr --version-string=$(VERSION) --section=1 \
	  --name="look inside RFIDGate: daemon status, tags, configuration, readers, cache, SIP2" \
	  --output=$(STAGE)/man/rfidgatectl.1 $(STAGE)/bin/rfidgatectl
	gzip -9nf $(STAGE)/man/rfidgated.8 $(STAGE)/man/rfidgatectl.1

# --- install / uninstall (any distribution) -------------------------------------------
install: release man install-files
	@if [ -z "$(DESTDIR)" ]; then \
	  echo "installed under $(PREFIX). Now, as root:"; \
	  echo "  systemd-sysusers rfidgate.conf && systemd-tmpfiles --create rfidgate.conf"; \
	  echo "  udevadm control --reload && udevadm trigger --subsystem-match=usb --subsystem-match=hidraw"; \
	  echo "  systemctl daemon-reload && systemctl enable --now rfidgated"; \
	fi

# The files alone (no build): used by install and by deb with PREFIX=/usr.
install-files:
	umask 022; \
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/rfidgate
	$(INSTALL) -m 0755 $(STAGE)/bin/rfidgated $(STAGE)/bin/rfidgatectl $(DESTDIR)$(BINDIR)/
	sed -e 's|/usr/bin/rfidgated|$(BINDIR)/rfidgated|' \
	    -e 's|file:/usr/share/doc/rfidgate/|file:$(DOCDIR)/|' \
	    systemd/rfidgated.service > $(STAGE)/rfidgated.service
	$(INSTALL) -m 0644 $(STAGE)/rfidgated.service $(DESTDIR)$(UNITDIR)/rfidgated.service
	$(INSTALL) -m 0644 systemd/rfidgate.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/rfidgate.conf
	$(INSTALL) -m 0644 systemd/rfidgate.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/rfidgate.conf
	$(INSTALL) -m 0644 udev/70-rfidgate.rules $(DESTDIR)$(UDEVRULESDIR)/70-rfidgate.rules
	$(INSTALL) -m 0644 README.md docs/technician.md docs/kiosk.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 packaging/debian/copyright $(DESTDIR)$(DOCDIR)/copyright
	$(INSTALL) -m 0644 $(STAGE)/man/rfidgated.8.gz $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(STAGE)/man/rfidgatectl.1.gz $(DESTDIR)$(MANDIR)/man1/
	@# An existing configuration is the administrator's: never overwritten.
	@cfg=$(DESTDIR)$(SYSCONFDIR)/rfidgate/rfidgate.toml; \
	if [ -e "$$cfg" ] && ! cmp -s packaging/rfidgate.toml "$$cfg"; then \
	  $(INSTALL) -m 0640 packaging/rfidgate.toml "$$cfg.dist"; \
	  echo "kept $$cfg; the shipped default is $$cfg.dist"; \
	else \
	  $(INSTALL) -m 0640 packaging/rfidgate.toml "$$cfg"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rfidgated $(DESTDIR)$(BINDIR)/rfidgatectl \
	  $(DESTDIR)$(UNITDIR)/rfidgated.service $(DESTDIR)$(SYSUSERSDIR)/rfidgate.conf \
	  $(DESTDIR)$(TMPFILESDIR)/rfidgate.conf $(DESTDIR)$(UDEVRULESDIR)/70-rfidgate.rules \
	  $(DESTDIR)$(MANDIR)/man8/rfidgated.8.gz $(DESTDIR)$(MANDIR)/man1/rfidgatectl.1.gz \
	  $(DESTDIR)$(SYSCONFDIR)/rfidgate/rfidgate.toml.dist
	rm -rf $(DESTDIR)$(DOCDIR)
	@# The configuration goes only when it is still the shipped default.
	@cfg=$(DESTDIR)$(SYSCONFDIR)/rfidgate/rfidgate.toml; \
	if cmp -s packaging/rfidgate.toml "$$cfg"; then rm -f "$$cfg"; \
	  rmdir --ignore-fail-on-non-empty $(DESTDIR)$(SYSCONFDIR)/rfidgate 2>/dev/null || true; \
	elif [ -e "$$cfg" ]; then echo "kept the changed $$cfg"; fi
	@echo "left in place: /var/lib/rfidgate (store, event log) and the users rfidgate, rfidgate-status"

# --- Debian package -------------------------------------------------------------------
deb: release man
	@top=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	if [ "$$top" != "$(DEB_VERSION)" ]; then \
	  echo "packaging/debian/changelog says $$top, VERSION/DEB_REVISION say $(DEB_VERSION): add a changelog entry"; \
	  exit 1; fi
	rm -rf $(PKGROOT)
	$(MAKE) --no-print-directory install-files DESTDIR=$(CURDIR)/$(PKGROOT) PREFIX=/usr
	umask 022; \
	gzip -9nc packaging/debian/changelog > $(PKGROOT)/usr/share/doc/rfidgate/changelog.Debian.gz; \
	chmod 0644 $(PKGROOT)/usr/share/doc/rfidgate/changelog.Debian.gz; \
	$(INSTALL) -d $(PKGROOT)/usr/share/lintian/overrides $(PKGROOT)/DEBIAN; \
	$(INSTALL) -m 0644 packaging/debian/lintian-overrides $(PKGROOT)/usr/share/lintian/overrides/rfidgate; \
	$(INSTALL) -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm $(PKGROOT)/DEBIAN/; \
	$(INSTALL) -m 0644 packaging/debian/conffiles $(PKGROOT)/DEBIAN/conffiles
	@# Depends from the binaries' real NEEDED libraries (dpkg-shlibdeps wants a debian/control).
	rm -rf $(STAGE)/shlibdeps && mkdir -p $(STAGE)/shlibdeps/debian
	printf 'Source: rfidgate\n\nPackage: rfidgate\nArchitecture: any\n' > $(STAGE)/shlibdeps/debian/control
	cd $(STAGE)/shlibdeps && dpkg-shlibdeps -O $(addprefix $(CURDIR)/$(PKGROOT)/usr/bin/,$(PRODUCTS)) \
	  | sed -n 's/^shlibs:Depends=//p' > depends
	@echo "Depends (dpkg-shlibdeps): $$(cat $(STAGE)/shlibdeps/depends)"
	cd $(PKGROOT) && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort \
	  | xargs -d '\n' md5sum > DEBIAN/md5sums && chmod 0644 DEBIAN/md5sums
	sed -e 's|@VERSION@|$(DEB_VERSION)|' -e 's|@ARCH@|$(ARCH)|' \
	    -e "s|@SHLIBS_DEPENDS@|$$(cat $(STAGE)/shlibdeps/depends)|" \
	    -e "s|@INSTALLED_SIZE@|$$(du -sk --exclude=DEBIAN $(PKGROOT) | cut -f1)|" \
	    packaging/debian/control.in > $(PKGROOT)/DEBIAN/control
	mkdir -p $(DIST)
	dpkg-deb --root-owner-group -Zxz --build $(PKGROOT) $(DEB)
	@ls -l $(DEB)

lintian: deb
	lintian --fail-on error --display-info $(DEB)

clean-package:
	rm -rf $(STAGE) $(DIST)

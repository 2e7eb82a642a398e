# make install DESTDIR=... PREFIX=/usr: the files of an installed terminal,
# as the Debian package ships them (packaging/debian/rules calls this).
# Programs come from $(BUILD); build them first (`make all`, which install
# depends on).

PREFIX ?= /usr
DESTDIR ?=
# /etc and /var stay at the root whatever PREFIX is, as on Debian.
SYSCONFDIR ?= /etc
BINDIR := $(PREFIX)/bin
SBINDIR := $(PREFIX)/sbin
LIBDIR := $(PREFIX)/lib/mamori
LIBEXECDIR := $(PREFIX)/libexec/mamori
DATADIR := $(PREFIX)/share/mamori
MANDIR := $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
INITRAMFSDIR ?= $(PREFIX)/share/initramfs-tools

# The early USB helper of the initramfs (packaging/kernel/): only libc, so
# that the initramfs hook copies it with nothing else.
EARLY_HELPER := $(BUILD)/mamori-usb-early
EXTRA_PROGRAMS += $(EARLY_HELPER)
$(EARLY_HELPER): $(BUILD)/packaging/kernel/mamori-usb-early.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

INSTALL ?= install
# Programs beyond mamorid and mamorictl (in BINS, or EXTRA_PROGRAMS of
# other fragments, which also hold data files such as *.mo): the daemons
# to sbin, the rest to bin.
SBIN_PROGRAMS := mamori-reportd

.PHONY: install
install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(LIBDIR)/plugins $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/kernel \
		$(DESTDIR)$(SYSCONFDIR)/mamori $(DESTDIR)$(SYSCONFDIR)/mamori/rules.d
	$(INSTALL) -m 0755 $(BUILD)/mamorid $(DESTDIR)$(SBINDIR)/mamorid
	$(INSTALL) -m 0755 $(BUILD)/mamorictl $(DESTDIR)$(BINDIR)/mamorictl
	@set -e; for p in $(filter-out $(EARLY_HELPER),$(BINS) $(EXTRA_PROGRAMS)); do \
		case "$${p##*/}" in mamorid|mamorictl|*.*) continue ;; mamori*) ;; *) continue ;; esac; \
		d=$(SBINDIR); case " $(SBIN_PROGRAMS) " in *" $${p##*/} "*) ;; *) d=$(BINDIR) ;; esac; \
		echo "$(INSTALL) -m 0755 $$p $(DESTDIR)$$d/"; \
		$(INSTALL) -m 0755 $$p $(DESTDIR)$$d/; \
	done
	$(INSTALL) -m 0755 $(EARLY_HELPER) $(DESTDIR)$(LIBEXECDIR)/mamori-usb-early
	@# mamorid loads plugins only from a root-owned directory that nobody
	@# else may write; the files are data to it, so 0644.
	$(INSTALL) -m 0644 $(PLUGIN_SOS) $(DESTDIR)$(LIBDIR)/plugins/
	$(INSTALL) -m 0644 $(wildcard rules/*.yaml) $(DESTDIR)$(DATADIR)/rules/
	$(INSTALL) -m 0644 packaging/mamori.conf $(DESTDIR)$(SYSCONFDIR)/mamori/mamori.conf
	@# USB device rules: none yet (keyboards, mice and hubs work, other
	@# devices stay blocked); `mamorictl usb register` adds lines.
	printf '%s\n' "# USB device rules of this terminal, in the USBGuard rule language:" \
		"# see mamori-usb.rules(5). Empty: keyboards, mice and hubs work and every" \
		"# other device stays blocked. 'mamorictl usb register' adds registered media." \
		> $(DESTDIR)$(SYSCONFDIR)/mamori/usb.rules
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/mamori/usb.rules
	@# The kernel parameter snippet: the package's postinst puts it in
	@# /etc/default/grub.d and its postrm takes it away again.
	$(INSTALL) -m 0644 packaging/kernel/grub.cfg $(DESTDIR)$(DATADIR)/kernel/grub.cfg
	$(INSTALL) -d -m 0755 $(DESTDIR)$(INITRAMFSDIR)/hooks $(DESTDIR)$(INITRAMFSDIR)/scripts/init-top \
		$(DESTDIR)$(DATADIR)/initramfs
	$(INSTALL) -m 0755 packaging/kernel/initramfs-hook $(DESTDIR)$(INITRAMFSDIR)/hooks/mamori
	$(INSTALL) -m 0755 packaging/kernel/initramfs-init-top $(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/mamori
	$(INSTALL) -m 0644 packaging/kernel/69-mamori-early-usb.rules $(DESTDIR)$(DATADIR)/initramfs/
	@set -e; for m in $(wildcard man/*.[158]); do \
		s=$${m##*.}; $(INSTALL) -d -m 0755 $(DESTDIR)$(MANDIR)/man$$s; \
		echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVRULESDIR) \
		$(DESTDIR)$(PREFIX)/share/dbus-1/system.d $(DESTDIR)$(PREFIX)/share/polkit-1/actions
	$(INSTALL) -m 0644 $(wildcard packaging/systemd/*.service packaging/systemd/*.socket \
		packaging/systemd/*.timer) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 $(wildcard packaging/udev/*.rules) $(DESTDIR)$(UDEVRULESDIR)/
	$(INSTALL) -m 0644 $(wildcard packaging/dbus/*.conf) $(DESTDIR)$(PREFIX)/share/dbus-1/system.d/
	$(INSTALL) -m 0644 $(wildcard packaging/polkit/*.policy) $(DESTDIR)$(PREFIX)/share/polkit-1/actions/
	@set -e; for f in $(wildcard packaging/xdg/*.desktop); do \
		$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/xdg/autostart; \
		echo "$(INSTALL) -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/xdg/autostart/"; \
		$(INSTALL) -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/xdg/autostart/; \
	done
	@# Translations, when a fragment builds them as $(BUILD)/locale/LANG/LC_MESSAGES/*.mo
	@# (a shell glob: they do not exist yet when make reads this file).
	@set -e; for mo in $(BUILD)/locale/*/LC_MESSAGES/*.mo; do \
		[ -e "$$mo" ] || continue; \
		d=$(DESTDIR)$(PREFIX)/share/locale/$${mo#$(BUILD)/locale/}; d=$${d%/*}; \
		echo "$(INSTALL) -m 0644 $$mo $$d/"; \
		$(INSTALL) -d -m 0755 $$d; $(INSTALL) -m 0644 $$mo $$d/; \
	done

# mamori-notify, the staff notifier: its sources (notify/), message catalogs
# (po/), unit tests (tests/unit/test-notify*.c) and desktop test
# (tests/notify/). It links no core module but the logger: it runs in every
# staff session and needs nothing of the agent's but its D-Bus interface.
NOTIFY_SRCS := $(wildcard notify/*.c)
NOTIFY_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out notify/notify-main.c,$(NOTIFY_SRCS)))
NOTIFY_OBJS := $(NOTIFY_LIB_OBJS) $(BUILD)/notify/notify-main.o $(BUILD)/agent/log.o
NOTIFY_LIBS = $(shell pkg-config --libs libsystemd)
NOTIFY_LINGUAS := $(shell sed -e 's/\#.*//' po/LINGUAS)
NOTIFY_MOS := $(NOTIFY_LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/mamori-notify.mo)
NOTIFY_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test-notify*.c))
# Where the installed catalogs are (bindtextdomain); tests point
# MAMORI_NOTIFY_LOCALEDIR at $(BUILD)/locale instead.
NOTIFY_LOCALEDIR ?= /usr/share/locale
# The test's own copy of the ja_JP.UTF-8 locale (LOCPATH), so that nothing
# is installed into the system's locales.
NOTIFY_LOCPATH := $(BUILD)/notify/locpath

EXTRA_PROGRAMS += $(BUILD)/mamori-notify $(NOTIFY_MOS)
CHECK_EXTRA += check-notify

# More specific than the Makefile's $(BUILD)/%.o, so these win.
$(BUILD)/notify/%.o: notify/%.c | build/.deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DNOTIFY_LOCALEDIR='"$(NOTIFY_LOCALEDIR)"' -MMD -MP -c $< -o $@

$(BUILD)/tests/unit/test-notify%.o: tests/unit/test-notify%.c | build/.deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Inotify -MMD -MP -c $< -o $@

$(BUILD)/mamori-notify: $(NOTIFY_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NOTIFY_LIBS)

$(NOTIFY_UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(NOTIFY_LIB_OBJS) $(BUILD)/agent/log.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NOTIFY_LIBS) -lcmocka

$(BUILD)/locale/%/LC_MESSAGES/mamori-notify.mo: po/%.po
	@mkdir -p $(@D)
	@command -v msgfmt >/dev/null || packaging/install-deps.sh notify
	msgfmt --check --output-file=$@ $<

# The test plugin standing in for the credentials plugin: it has to carry
# that name to send credentials.* events (the agent lets a plugin speak for
# itself only).
$(BUILD)/tests/notify-plugins/credentials.so: tests/plugins/notify-test.c agent/mamori-plugin.h | build/.deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DNOTIFY_TEST_PLUGIN='"credentials"' -shared -o $@ $< $(LIBS)

.PHONY: check-notify notify-pot
check-notify: $(BUILD)/mamori-notify $(NOTIFY_MOS) $(NOTIFY_UNIT_BINS) $(BINS) $(BUILD)/plugins/usb.so \
		$(BUILD)/tests/notify-plugins/credentials.so $(BUILD)/tests/helpers/fake-sni-watcher
	@packaging/install-deps.sh notify
	@[ -f $(NOTIFY_LOCPATH)/ja_JP.UTF-8/LC_CTYPE ] || { mkdir -p $(NOTIFY_LOCPATH) && \
		localedef -i ja_JP -f UTF-8 $(NOTIFY_LOCPATH)/ja_JP.UTF-8 || \
		[ -f $(NOTIFY_LOCPATH)/ja_JP.UTF-8/LC_CTYPE ]; }
	@fail=0; for t in $(NOTIFY_UNIT_BINS); do \
		echo "== $$t"; \
		LOCPATH=$(CURDIR)/$(NOTIFY_LOCPATH) MAMORI_TEST_SRCDIR=$(CURDIR) \
			MAMORI_BUILD=$(CURDIR)/$(BUILD) $$t || fail=1; \
	done; \
	MAMORI_BUILD=$(CURDIR)/$(BUILD) SANITIZE=$(SANITIZE) \
		tests/integration/run-all.sh tests/notify notify || fail=1; \
	exit $$fail

# Regenerate the template and merge it into the translations after a
# change of texts in notify/.
notify-pot:
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 \
		--add-comments=TRANSLATORS: --package-name=mamori-notify --package-version=$(VERSION) \
		--msgid-bugs-address= --sort-by-file --output=po/mamori-notify.pot $(NOTIFY_SRCS)
	for l in $(NOTIFY_LINGUAS); do msgmerge --quiet --update --backup=none po/$$l.po po/mamori-notify.pot; done

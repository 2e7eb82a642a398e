# make deb: the Debian package, built by dpkg-buildpackage from a copy of
# the tree with packaging/debian as debian/ (the repository has no debian/
# of its own). The .deb lands in build/deb/.
# make check-boot: the package on a booted Debian 12 under QEMU
# (tests/boot/), with lintian; part of `make check` (not under SANITIZE:
# the image runs the packaged build, the sanitizers run the same code above).

DEB_DIR := build/deb
DEB_SRC := $(DEB_DIR)/src/mamori-$(VERSION)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_VERSION := $(shell awk -F'[()]' 'NR == 1 { print $$2 }' packaging/debian/changelog)
DEB_FILE := $(DEB_DIR)/mamori_$(DEB_VERSION)_$(DEB_ARCH).deb
# Everything a package build reads (the tree but its build output, tests
# and git): rebuilt only when one of them changes.
DEB_INPUTS := $(shell find . \( -path ./build -o -path ./.git -o -path ./tests -o -path ./debian \) -prune \
        -o -type f ! -name '*~' ! -name '.*' -print 2>/dev/null)

.PHONY: deb check-boot
deb: $(DEB_FILE)

$(DEB_FILE): $(DEB_INPUTS)
	@packaging/install-deps.sh build deb
	rm -rf $(DEB_DIR)/src
	mkdir -p $(DEB_SRC)
	@rm -f $(DEB_DIR)/build.log
	tar -cf - --exclude=./build --exclude=./.git --exclude=./debian --exclude=./.ci --exclude=./tests . \
		| tar -xf - -C $(DEB_SRC)
	cp -a packaging/debian $(DEB_SRC)/debian
	@echo "deb: dpkg-buildpackage -us -uc -b in $(DEB_SRC) (log: $(DEB_DIR)/build.log)"
	@cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b -j$(shell nproc) > $(CURDIR)/$(DEB_DIR)/build.log 2>&1 \
		|| { tail -n 40 $(CURDIR)/$(DEB_DIR)/build.log; exit 1; }
	@rm -f $(DEB_DIR)/*.deb $(DEB_DIR)/*.ddeb $(DEB_DIR)/*.buildinfo $(DEB_DIR)/*.changes
	@mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/src/*.changes $(DEB_DIR)/
	@# The debug symbols (mamori-dbgsym), when dh_strip made them.
	@mv $(DEB_DIR)/src/*.ddeb $(DEB_DIR)/ 2>/dev/null || true
	@rm -rf $(DEB_DIR)/src
	@echo "deb: $@"

CHECK_EXTRA += $(if $(SANITIZE),,check-boot)
check-boot: $(DEB_FILE) $(BUILD)/mamori-usb-early
	@packaging/install-deps.sh vm deb boot
	@MAMORI_BUILD=$(CURDIR)/$(BUILD) MAMORI_DEB=$(CURDIR)/$(DEB_FILE) \
		tests/integration/run-all.sh tests/boot boot

# Signed update bundles (services/update, docs/operators-guide.md "Updating
# installed machines"): $(OUT)/update/ holds the image's kernel and initrds,
# VERSION, SHA256SUMS and SHA256SUMS.sig, signed with UPDATE_KEY. The image
# carries the public key (/etc/fathom/update.pub) and its own version
# (/etc/fathom/version), which mkinitramfs takes from $(BUILD).

# UPDATE_KEY=FILE: the operator's PEM Ed25519 private key. Default: one made
# once under the download cache (0600), never in the tree.
FATHOM_CACHE := $(or $(FATHOM_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/fathom)
UPDATE_KEY_DEFAULT := $(FATHOM_CACHE)/update.key
UPDATE_KEY ?= $(UPDATE_KEY_DEFAULT)
# UPDATE_TRUST=FILE...: public keys the image trusts besides UPDATE_KEY's,
# for changing the key (docs/operators-guide.md, "Changing the key").
UPDATE_TRUST ?=
UPDATE_PUB := $(BUILD)/update.pub
IMAGE_VERSION := $(BUILD)/version

# Checked every time (cheap): the public key file changes only with the key.
.PHONY: update-key-force
$(UPDATE_PUB): update-key-force | deps
	$(Q)mkdir -p $(BUILD) && scripts/update-key "$(UPDATE_KEY)" $@ \
		$(if $(filter $(UPDATE_KEY_DEFAULT),$(UPDATE_KEY)),1,0) $(UPDATE_TRUST)

# "SOURCE_DATE_EPOCH DESCRIBE": the number orders versions (a bundle must be
# newer than the running image), the description (git describe of the
# commit SOURCE_DATE_EPOCH comes from) is for people. A build without .git
# (a release tarball) gives both, as it gives SOURCE_DATE_EPOCH, or its
# description is "unknown". Rewritten only when it changes.
IMAGE_DESCRIBE ?= $(or $(shell git describe --always --tags 2>/dev/null),unknown)
$(shell mkdir -p $(BUILD) && [ "$$(cat $(IMAGE_VERSION) 2>/dev/null)" = "$(SOURCE_DATE_EPOCH) $(IMAGE_DESCRIBE)" ] || \
	echo "$(SOURCE_DATE_EPOCH) $(IMAGE_DESCRIBE)" > $(IMAGE_VERSION))

$(OUT)/initramfs.cpio.zst: $(UPDATE_PUB) $(IMAGE_VERSION)

$(OUT)/update/SHA256SUMS.sig: $(OUT)/vmlinuz $(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst \
		$(IMAGE_VERSION) $(UPDATE_PUB) scripts/update-bundle
	$(quiet) BUNDLE "$(OUT)/update/"
	$(Q)scripts/update-bundle $(OUT) $(IMAGE_VERSION) "$(UPDATE_KEY)" $(OUT)/update

all: $(OUT)/update/SHA256SUMS.sig

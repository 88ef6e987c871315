# The board's image and everything published beside it: initramfs and
# kernel, boot media, iPXE, manifest, checksums and their signature, and the
# per-machine files (scripts/machines).

# Every file of $(OUT) but SHA256SUMS and its signature: a new artifact goes
# here, or scripts/verify reports it as unlisted.
IPXE_BINS := ipxe.efi snponly.efi undionly.kpxe ipxe.lkrn
ARTIFACTS := $(OUT)/vmlinuz $(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst $(OUT)/manifest.json $(OUT)/fathom.pub \
	$(OUT)/fathom.img $(OUT)/fathom.iso $(addprefix $(OUT)/ipxe/,$(IPXE_BINS))

# Any board's overlay: a board may use another's (OVERLAYS in board.conf).
BOARD_FILES := $(BOARD_DIR)/board.conf $(shell find boards/*/overlay -type f 2>/dev/null)

# Rebuild the image when SOURCE_DATE_EPOCH changes (the file changes only then).
SDE_STAMP := $(BUILD)/source-date-epoch
$(shell mkdir -p $(BUILD) && [ "$$(cat $(SDE_STAMP) 2>/dev/null)" = "$(SOURCE_DATE_EPOCH)" ] || \
	echo "$(SOURCE_DATE_EPOCH)" > $(SDE_STAMP))

# media.cpio.zst: what only a boot from a stick or ISO needs (MEDIA_MODULES),
# a second initrd on the media (image/mkinitramfs).
$(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst $(OUT)/vmlinuz &: $(INIT_BIN) $(NETCFG_BIN) $(MKCPIO) $(BOARD_FILES) image/mkinitramfs \
		scripts/fetch-deb scripts/cache.sh $(SDE_STAMP) | deps
	$(quiet) GEN "$(OUT)/initramfs.cpio.zst"
	$(Q)image/mkinitramfs $(BOARD_DIR) $(BUILD) $(OUT) $(INIT_BIN) $(MKCPIO)

# Boot media (README, "Boot media"): a USB stick image and a hybrid ISO,
# BIOS and UEFI, each with a template fathom.conf, loading media.cpio.zst
# as a second initrd.
$(OUT)/fathom.img: $(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst image/mkmedia $(BOARD_DIR)/board.conf
	$(quiet) MEDIA "$@"
	$(Q)image/mkmedia usb $@ $(BOARD_DIR) $(OUT) $(BUILD)
$(OUT)/fathom.iso: $(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst image/mkmedia $(BOARD_DIR)/board.conf
	$(quiet) MEDIA "$@"
	$(Q)image/mkmedia iso $@ $(BOARD_DIR) $(OUT) $(BUILD)

# Debian's prebuilt iPXE, for PXE servers and for chainloading.
# The binaries keep SOURCE_DATE_EPOCH as their mtime, older than anything
# built here: the list of components is the rule's timestamp instead.
IPXE_STAMP := $(BUILD)/ipxe-components
$(IPXE_STAMP): scripts/fetch-deb $(SDE_STAMP) | deps
	$(quiet) IPXE "$(OUT)/ipxe/"
	$(Q)mkdir -p $(OUT)/ipxe && d=$$(scripts/fetch-deb ipxe | cut -d' ' -f4) && \
		for f in $(IPXE_BINS); do \
			src=$$(find $$d/boot $$d/usr/lib/ipxe -name $$f -type f | head -n1) && \
			[ -n "$$src" ] && cp $$src $(OUT)/ipxe/$$f && touch -d @$(SOURCE_DATE_EPOCH) $(OUT)/ipxe/$$f || \
			{ echo "ipxe: $$f not in Debian's ipxe package ($$d)" >&2; exit 1; }; \
		done && scripts/fetch-deb ipxe > $@.tmp && mv $@.tmp $@
$(addprefix $(OUT)/ipxe/,$(IPXE_BINS)): $(IPXE_STAMP)
	$(Q)[ -f $@ ] || { rm -f $(IPXE_STAMP); echo "ipxe: $@ missing; run make again" >&2; exit 1; }

$(OUT)/manifest.json: $(OUT)/initramfs.cpio.zst $(OUT)/media.cpio.zst $(OUT)/fathom.img $(OUT)/fathom.iso \
		$(addprefix $(OUT)/ipxe/,$(IPXE_BINS)) scripts/manifest-json
	$(quiet) GEN "$@"
	$(Q)scripts/manifest-json $(BOARD) $(BUILD) $(OUT) > $@.tmp && mv $@.tmp $@

$(OUT)/SHA256SUMS: $(ARTIFACTS)
	$(quiet) SHA256 "$@"
	$(Q)cd $(OUT) && sha256sum $(patsubst $(OUT)/%,%,$(ARTIFACTS)) > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS

.PHONY: keys verify machines
keys:
	$(Q)scripts/keys

$(SIGNING_KEY) $(SIGNING_PUB) &: | deps
	$(Q)scripts/keys > /dev/null

# Shipped so a verifier has it; operators should pin their own copy instead.
$(OUT)/fathom.pub: $(SIGNING_PUB)
	$(quiet) PUBKEY "$@"
	$(Q)mkdir -p $(dir $@) && cp $< $@

# Ed25519: the same key and SHA256SUMS always give the same signature.
$(OUT)/SHA256SUMS.sig: $(OUT)/SHA256SUMS $(SIGNING_KEY)
	$(quiet) SIGN "$@"
	$(Q)openssl pkeyutl -sign -inkey $(SIGNING_KEY) -rawin -in $< -out $@.tmp && mv $@.tmp $@

verify:
	$(Q)scripts/verify $(OUT)

# Per-machine boot files (README, Machines): scripts/machines does the work.
# machines/IMAGE names the image they go with: the image comes first (once
# there is something to do: without INVENTORY and BASE_URL the script says
# what to set); its ARTIFACTS include media.cpio.zst, which MEDIA= needs.
machines: $(MKMACHINES) $(SIGNING_KEY) $(if $(and $(INVENTORY),$(BASE_URL)),$(OUT)/SHA256SUMS.sig)
	$(Q)V="$(V)" MKMACHINES="$(MKMACHINES)" SIGNING_KEY="$(SIGNING_KEY)" MEDIA="$(MEDIA)" SECRETS="$(SECRETS)" \
		scripts/machines "$(BOARD_DIR)" "$(BUILD)" "$(OUT)" "$(INVENTORY)" "$(BASE_URL)"

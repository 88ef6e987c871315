# Tools that run on the build host: the cpio writer and the per-machine
# file generator (image/).

MKCPIO := $(HOSTBUILD)/mkcpio
MKMACHINES := $(HOSTBUILD)/mkmachines
INVENTORY_SRCS := image/inventory.c image/inventory_platform.c image/inventory_install.c image/csv.c image/name_set.c image/render_conf.c \
	image/render_ipxe.c
MKCPIO_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,image/mkcpio.c image/cpio.c)
MKMACHINES_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,image/mkmachines.c image/cpio.c \
	$(INVENTORY_SRCS))

$(MKCPIO): $(MKCPIO_OBJS) $(HOST_LIB)
	$(quiet) HOSTLD "$@"
	$(Q)$(HOSTCC) -o $@ $(MKCPIO_OBJS) $(HOST_LIB)

$(MKMACHINES): $(MKMACHINES_OBJS) $(HOST_LIB)
	$(quiet) HOSTLD "$@"
	$(Q)$(HOSTCC) -o $@ $(MKMACHINES_OBJS) $(HOST_LIB)

/* The baseline for bench/boot: an init that only powers the machine off. */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

#include <sys/stat.h>

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/conntrack.h"
#include "warnp.h"

#include "pcapread.h"

/* Frames between two redraws of the progress bar. */
#define PROGRESS_EVERY	8192

/* progress(path, done, total): draw the bar for ${done} of ${total} bytes. */
static void
progress(const char * path, long done, long total)
{
	char bar[41];
	int i, n;

	if (total <= 0)
		return;
	if (done > total)
		done = total;
	n = (int)(40.0 * (double)done / (double)total);
	for (i = 0; i < 40; i++)
		bar[i] = (i < n) ? '#' : ' ';
	bar[40] = '\0';
	fprintf(stderr, "\rreading %s [%s] %3d%%", path, bar,
	    (int)(100.0 * (double)done / (double)total));
}

/**
 * pcapread(path, port, filter, flightmax, starts):
 * Read the capture file ${path} (pcap or pcapng) with libpcap into a new
 * connection tracker: TCP to or from server port ${port} (0: any, client
 * by SYN), only the frames matching the BPF expression ${filter} if it is
 * not NULL, keeping each side's first flight up to ${flightmax} bytes (0:
 * none; dust_ct_keep_flights), or if ${starts} its first ${flightmax}
 * bytes (dust_ct_keep_starts).  A progress bar goes to stderr when it is
 * a terminal.  Return the tracker, or NULL after printing what was wrong:
 * unreadable file, unknown link type, bad filter, no packets, no TCP
 * connection.
 */
struct dust_ct *
pcapread(const char * path, uint16_t port, const char * filter,
    size_t flightmax, int starts)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr * h;
	const u_char * frame;
	struct dust_ct * ct;
	struct stat st;
	unsigned long nframes = 0, ntcp = 0;
	long total = 0;
	pcap_t * p;
	FILE * f;
	int lt, rc, bar;

	errbuf[0] = '\0';
	if ((p = pcap_open_offline(path, errbuf)) == NULL) {
		warn0("%s: cannot read the capture: %s", path, errbuf);
		return (NULL);
	}
	lt = pcap_datalink(p);
	if (!dust_ct_link_ok(lt)) {
		warn0("%s: link type %d (%s) is not supported (Ethernet, "
		    "loopback, Linux cooked or raw IP)", path, lt,
		    pcap_datalink_val_to_name(lt) ? pcap_datalink_val_to_name(lt)
		    : "unknown");
		pcap_close(p);
		return (NULL);
	}
	if (filter != NULL) {
		if (pcap_compile(p, &prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			warn0("--filter '%s': %s", filter, pcap_geterr(p));
			pcap_close(p);
			return (NULL);
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			warn0("--filter '%s': %s", filter, pcap_geterr(p));
			pcap_close(p);
			return (NULL);
		}
	}
	if ((ct = dust_ct_new(port)) == NULL) {
		warn0("out of memory");
		pcap_close(p);
		return (NULL);
	}
	if (starts)
		dust_ct_keep_starts(ct, flightmax);
	else
		dust_ct_keep_flights(ct, flightmax);
	f = pcap_file(p);
	bar = isatty(STDERR_FILENO) && f != NULL &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode);
	if (bar)
		total = (long)st.st_size;

	while ((rc = pcap_next_ex(p, &h, &frame)) == 1) {
		nframes++;
		rc = dust_ct_frame(ct, lt, frame, h->caplen, h->len,
		    (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6);
		if (rc < 0) {
			if (bar)
				fputc('\n', stderr);
			warn0("%s: out of memory or more than %d connections "
			    "after %lu frames", path, DUST_CT_CONNS_MAX,
			    nframes);
			goto err;
		}
		ntcp += (unsigned long)rc;
		if (bar && nframes % PROGRESS_EVERY == 0)
			progress(path, ftell(f), total);
	}
	if (bar) {
		progress(path, total, total);
		fputc('\n', stderr);
	}
	if (rc == PCAP_ERROR)
		warn0("%s: %s (using the %lu frames before it)", path,
		    pcap_geterr(p), nframes);
	if (nframes == 0) {
		warn0("%s: the capture holds no packets%s", path,
		    filter ? " matching --filter" : "");
		goto err;
	}
	if (ntcp == 0 || dust_ct_nconns(ct) == 0) {
		if (port != 0)
			warn0("%s: no TCP connection to port %u in %lu frames",
			    path, (unsigned)port, nframes);
		else
			warn0("%s: no TCP connection in %lu frames", path,
			    nframes);
		goto err;
	}
	pcap_close(p);
	return (ct);

err:
	dust_ct_free(ct);
	pcap_close(p);
	return (NULL);
}

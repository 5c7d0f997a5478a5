#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "capture/conntrack.h"
#include "dust/model.h"
#include "warnp.h"

#include "jsonw.h"
#include "learnformat.h"
#include "modelio.h"
#include "pcapread.h"
#include "model_check.h"

/* Where the report scripts are looked for after $DUST_ANALYSIS. */
static const char * const analysis_dirs[] = {
	"/usr/local/share/dust/analysis", "/usr/share/dust/analysis", NULL
};

/* write_hex(f, p, n): ${n} bytes as a JSON string of hex digits. */
static void
write_hex(FILE * f, const uint8_t * p, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

/*
 * write_conns(path, ct, sct, capture, port):
 * Write the connections of ${ct} (read from ${capture}, flights kept) to
 * the JSON file ${path} that analysis/capture.py reads, each with whether
 * it parses as TLS 1.3 (learnformat_is_tls) and, if ${sct} (the same
 * connections, starts kept) is not NULL, as SSH-2
 * (learnformat_is_ssh_start).  Return 0, or -1 after printing the error.
 */
static int
write_conns(const char * path, const struct dust_ct * ct,
    const struct dust_ct * sct, const char * capture, unsigned port)
{
	const struct dust_ct_conn * c;
	const uint64_t * b;
	size_t i, j;
	FILE * f;
	int d;

	if ((f = fopen(path, "w")) == NULL) {
		warnp("%s", path);
		return (-1);
	}
	fputs("{\"capture\": ", f);
	jsonw_string(f, (const uint8_t *)capture, strlen(capture));
	fprintf(f, ", \"port\": %u,\n \"bytes\": [", port);
	for (d = 0; d < 2; d++) {
		b = dust_ct_bytes(ct, d);
		fputs(d ? ", [" : "[", f);
		for (i = 0; i < 256; i++)
			fprintf(f, "%s%llu", i ? ", " : "",
			    (unsigned long long)b[i]);
		fputc(']', f);
	}
	fputs("],\n \"conns\": [", f);
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		c = dust_ct_conn(ct, i);
		fprintf(f, "%s\n  {\"client_port\": %u, \"syn\": %d, "
		    "\"t0\": %.6f, \"t1\": %.6f, \"tls\": %d,", i ? "," : "",
		    (unsigned)c->port[0], c->synseen, c->tstart, c->tend,
		    learnformat_is_tls(c) ? 1 : 0);
		fprintf(f, " \"ssh\": %d,", (sct != NULL && i <
		    dust_ct_nconns(sct) && learnformat_is_ssh_start(
		    dust_ct_conn(sct, i))) ? 1 : 0);
		for (d = 0; d < 2; d++) {
			fprintf(f, " \"%s\": ", d ? "first_s2c" : "first_c2s");
			write_hex(f, c->side[d].first, c->side[d].firstlen);
			fprintf(f, ", \"%s\": %u,", d ? "first_s2c_len" :
			    "first_c2s_len", c->side[d].firstwire);
		}
		fputs(" \"pkts\": [", f);
		for (j = 0; j < c->npkts; j++)
			fprintf(f, "%s[%.6f, %u, %u]", j ? ", " : "",
			    c->pkts[j].ts - c->tstart, c->pkts[j].dir,
			    c->pkts[j].len);
		fputs("]}", f);
	}
	fputs("\n ]}\n", f);
	return (jsonw_close(f, path));
}

/*
 * write_cdf(f, d, geometric):
 * Write the CDF of ${d} as [[k, P(X <= k)], ...] from its minimum until it
 * reaches 1: at every integer, or (${geometric}) at every integer to 1000
 * and then at steps of 1%.
 */
static void
write_cdf(FILE * f, const struct dust_dist * d, int geometric)
{
	double k, p;
	int first = 1;

	fputc('[', f);
	for (k = (double)d->min; k <= (double)d->max; ) {
		p = dust_dist_cdf(d, (int64_t)k);
		fprintf(f, "%s[%.0f, %.9g]", first ? "" : ", ", k, p);
		first = 0;
		if (p >= 1.0)
			break;
		if (geometric && k >= 1000)
			k = k * 1.01 > k + 1 ? (double)(int64_t)(k * 1.01) :
			    k + 1;
		else
			k += 1;
	}
	fputc(']', f);
}

/*
 * write_model(path, m):
 * Write what the report needs of the loaded model ${m} to ${path}: byte
 * weights, prefix (hex) and the CDFs of length, flow and duration per
 * direction, as the loader understood them.  Return 0, or -1 after
 * printing the error.
 */
static int
write_model(const char * path, const struct dust_model * m)
{
	const struct dust_model_part * pt;
	FILE * f;
	int d, i;

	if ((f = fopen(path, "w")) == NULL) {
		warnp("%s", path);
		return (-1);
	}
	fputs("{\"name\": ", f);
	jsonw_string(f, (const uint8_t *)(m->name ? m->name : ""),
	    m->name ? strlen(m->name) : 0);
	for (d = 0; d < 2; d++) {
		pt = &m->part[d];
		fprintf(f, ",\n \"%s\": {\"weight\": [", d ? "s2c" : "c2s");
		for (i = 0; i < 256; i++)
			fprintf(f, "%s%.9g", i ? ", " : "", pt->weight[i]);
		fputs("],\n  \"prefix\": ", f);
		write_hex(f, pt->prefix, pt->prefixlen);
		fputs(",\n  \"length\": ", f);
		write_cdf(f, &pt->length, 0);
		fputs(",\n  \"flow\": ", f);
		write_cdf(f, &pt->flow, 0);
		fputs(",\n  \"duration\": ", f);
		write_cdf(f, &pt->duration, 1);
		fputc('}', f);
	}
	fputs("}\n", f);
	return (jsonw_close(f, path));
}

/*
 * extract(capture, port, dir, name):
 * Read ${capture} and write its connections to ${dir}/${name}.  Return 0,
 * or -1 after printing the error.
 */
static int
extract(const char * capture, unsigned port, const char * dir,
    const char * name)
{
	char path[PATH_MAX];
	struct dust_ct * ct, * sct = NULL;
	int rc;

	if ((ct = pcapread(capture, (uint16_t)port, NULL,
	    LEARNFORMAT_FLIGHT_MAX, 0)) == NULL)
		return (-1);
	/* SSH: read again, keeping each side's start (several flights). */
	if (learnformat_is_ssh(ct) && (sct = pcapread(capture,
	    (uint16_t)port, NULL, LEARNFORMAT_START_MAX, 1)) == NULL) {
		dust_ct_free(ct);
		return (-1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = write_conns(path, ct, sct, capture, port);
	dust_ct_free(sct);
	dust_ct_free(ct);
	return (rc);
}

/*
 * find_analysis(buf, len):
 * Find the folder holding report.py: $DUST_ANALYSIS, else analysis/ of
 * the source tree the program was built in or share/dust/analysis of the
 * prefix it was installed in (up to five folders above the executable),
 * else /usr/local/share/dust/analysis or /usr/share/dust/analysis.  Return 0 with it in ${buf}, or
 * -1 after printing where it looked.
 */
static int
find_analysis(char * buf, size_t len)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	const char * env;
	ssize_t n;
	char * slash;
	int i;

	if ((env = getenv("DUST_ANALYSIS")) != NULL) {
		snprintf(buf, len, "%s", env);
		return (0);
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		for (i = 0; i < 5 && (slash = strrchr(exe, '/')) != NULL;
		    i++) {
			*slash = '\0';
			snprintf(probe, sizeof(probe), "%s/analysis/report.py",
			    exe);
			if (access(probe, R_OK) == 0) {
				if ((size_t)snprintf(buf, len, "%s/analysis",
				    exe) >= len)
					break;
				return (0);
			}
			/* Installed: PREFIX/bin/dust, PREFIX/share/dust. */
			snprintf(probe, sizeof(probe),
			    "%s/share/dust/analysis/report.py", exe);
			if (access(probe, R_OK) == 0) {
				if ((size_t)snprintf(buf, len,
				    "%s/share/dust/analysis", exe) >= len)
					break;
				return (0);
			}
		}
	}
	for (i = 0; analysis_dirs[i] != NULL; i++) {
		snprintf(probe, sizeof(probe), "%s/report.py",
		    analysis_dirs[i]);
		if (access(probe, R_OK) == 0) {
			snprintf(buf, len, "%s", analysis_dirs[i]);
			return (0);
		}
	}
	warn0("cannot find analysis/report.py (set DUST_ANALYSIS to its "
	    "folder)");
	return (-1);
}

/**
 * model_check_usage(f):
 * Print the usage of "dust model check" to ${f}.  Return 1 (the exit
 * status of a usage error).
 */
int
model_check_usage(FILE * f)
{

	fprintf(f, "usage: dust model check MODEL CAPTURE [--against "
	    "REAL_CAPTURE] [--port P] [--against-port P] [-o REPORT_DIR]\n");
	return (1);
}

/**
 * model_check_main(argc, argv):
 * Run "dust model check MODEL CAPTURE [--against REAL_CAPTURE]
 * [-o REPORT_DIR]" (${argv}[0] is "check"): extract the connections of the
 * captures, then run the report (analysis/report.py).  Return the exit
 * status.
 */
int
model_check_main(int argc, char ** argv)
{
	static const struct option opts[] = {
		{ "against", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'P' },
		{ "against-port", required_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char * against = NULL, * out = "dust-report", * model, * cap;
	const char * python;
	char analysis[PATH_MAX], path[PATH_MAX + 32], script[PATH_MAX + 32];
	uint64_t port = 0, aport = 0;
	struct dust_model * m = NULL;
	pid_t pid;
	int ch, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			against = optarg;
			break;
		case 'P':
			if (args_uint("--port", optarg, 1, 65535, &port))
				return (1);
			break;
		case 'A':
			if (args_uint("--against-port", optarg, 1, 65535,
			    &aport))
				return (1);
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			model_check_usage(stdout);
			return (0);
		default:
			return (model_check_usage(stderr));
		}
	}
	if (optind != argc - 2)
		return (model_check_usage(stderr));
	model = argv[optind];
	cap = argv[optind + 1];

	/* The model must load before anything is measured against it. */
	if ((m = modelio_load(model)) == NULL)
		return (1);
	if (find_analysis(analysis, sizeof(analysis)))
		goto err;
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		warnp("%s", out);
		goto err;
	}
	snprintf(path, sizeof(path), "%s/model.json", out);
	if (write_model(path, m))
		goto err;
	dust_model_free(m);
	m = NULL;
	if (extract(cap, (unsigned)port, out, "observed.json"))
		goto err;
	snprintf(path, sizeof(path), "%s/against.json", out);
	if (against != NULL) {
		if (extract(against, (unsigned)aport, out, "against.json"))
			goto err;
	} else if (unlink(path) != 0 && errno != ENOENT) {
		warnp("%s", path);
		goto err;
	}

	/* The statistics, detectors and plots are in Python. */
	if ((python = getenv("DUST_PYTHON")) == NULL)
		python = "/usr/bin/python3";
	snprintf(script, sizeof(script), "%s/report.py", analysis);
	fflush(stdout);
	if ((pid = fork()) == -1) {
		warnp("fork");
		return (1);
	}
	if (pid == 0) {
		execl(python, python, script, out, model, (char *)NULL);
		warnp("%s", python);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1) {
		warnp("waitpid");
		return (1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		warn0("%s failed", script);
		return (1);
	}
	return (0);

err:
	dust_model_free(m);
	return (1);
}

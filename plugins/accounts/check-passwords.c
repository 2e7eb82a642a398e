/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How passwords are made and kept: accounts.password-quality (詳細編
 * 6.5(3), 7.2(11)②: long and complex, enforced by the system),
 * accounts.password-history and accounts.password-ageing (詳細編 6.5(4):
 * changed periodically, never reused).
 *
 * Settings only count where the module that reads them is in the password
 * stack (/etc/pam.d/common-password on Debian), under a control that lets
 * its failure fail the stack, and before pam_unix stores the new password.
 * Each finding names the effective value and where it came from. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"

#define COMMON_PASSWORD "etc/pam.d/common-password"
#define COMMON_PASSWORD_SHOWN "/etc/pam.d/common-password"
#define PWQUALITY_CONF "etc/security/pwquality.conf"
#define PWQUALITY_CONF_D "etc/security/pwquality.conf.d"
#define PWHISTORY_CONF "etc/security/pwhistory.conf"
#define NOTES_MAX 512

static void notes_add(char *notes, size_t size, const char *fmt, ...) ACC_PRINTF(3, 4);
static void notes_add(char *notes, size_t size, const char *fmt, ...) {
        size_t len = strlen(notes);
        va_list ap;

        if (len + 1 >= size)
                return;
        va_start(ap, fmt);
        vsnprintf(notes + len, size - len, fmt, ap);
        va_end(ap);
}

/* "/etc/x:12" -> "/etc/x" */
static const char *source_path(const char *source, char *buf, size_t size) {
        const char *colon = strrchr(source, ':');
        size_t n = colon ? (size_t) (colon - source) : strlen(source);

        if (n >= size)
                n = size - 1;
        memcpy(buf, source, n);
        buf[n] = '\0';
        return buf;
}

/* Checks that a module line can do its job: 0 when it can, 1 when it
 * cannot (after emitting the FAIL if emit is set), or a negative errno. */
static int module_line_check(Eval *e, const PamFile *pam, const PamLine *l, const char *module,
                             const char *notes, bool emit) {
        const PamLine *unix_line = pamconf_find(pam, "password", "pam_unix.so");
        char control[96];
        int r;

        if (pamconf_control_is_lax(l->control)) {
                if (!emit)
                        return 1;
                r = eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                              "%s is used with control \"%s\" in %s (line %u): a password it rejects is accepted anyway%s",
                              module, text_safe(l->control, 80, control, sizeof(control)),
                              COMMON_PASSWORD_SHOWN, l->line, notes);
                return r < 0 ? r : 1;
        }
        /* In the update pass modules run in order: one placed after
         * pam_unix sees the new password only once it is stored. */
        if (unix_line && unix_line->line < l->line) {
                if (!emit)
                        return 1;
                r = eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                              "%s comes after pam_unix in %s (line %u after line %u): the new password is stored before it is checked%s",
                              module, COMMON_PASSWORD_SHOWN, l->line, unix_line->line, notes);
                return r < 0 ? r : 1;
        }
        return 0;
}

/* ---- password quality ---------------------------------------------------------------- */

/* Applies one pwquality.conf-style file. libpwquality stops reading a file
 * at the first setting it cannot take; what follows has no effect. */
static int apply_pwquality_file(Eval *e, PwqSettings *s, const char *path, bool *ret_error,
                                char *notes, size_t notes_size) {
        _cleanup_(conf_file_freep) ConfFile *f = NULL;
        char shown[96], key[64];
        int r;

        *ret_error = false;
        r = load_conf(e->a, path, &f);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return 0;       /* libpwquality ignores a missing file */
        if (r < 0) {
                snprintf(shown, sizeof(shown), "/%s", path);
                *ret_error = true;
                return eval_emit_read_error(e, shown, r);
        }

        for (size_t i = 0; i < f->n_entries; i++) {
                const ConfEntry *c = &f->entries[i];
                char source[PWQ_SOURCE_MAX];

                snprintf(source, sizeof(source), "/%s:%u", path, c->line);
                r = pwq_settings_apply(s, c->key, c->value, source);
                if (r < 0) {
                        notes_add(notes, notes_size,
                                  "; /%s line %u: %s \"%s\", libpwquality ignores the rest of the file",
                                  path, c->line, r == -ENOENT ? "unknown setting" : "not a number for",
                                  text_safe(c->key, 40, key, sizeof(key)));
                        break;
                }
        }
        if (f->stats.n_malformed > 0) {
                char note[160];

                snprintf(shown, sizeof(shown), "/%s", path);
                notes_add(notes, notes_size, "%s",
                          malformed_note(&f->stats, shown, note, sizeof(note)));
        }
        return 0;
}

/* "minlen=12 from /etc/security/pwquality.conf:3" or "minlen=8, pam_pwquality's default" */
static void describe_setting(const PwqSettings *s, PwqKey k, const char *module, char *buf, size_t size) {
        const PwqSetting *v = &s->s[k];

        if (v->set)
                snprintf(buf, size, "%s=%d from %s", pwq_key_name(k), v->value, v->source);
        else
                snprintf(buf, size, "%s=%d, %s's default", pwq_key_name(k), v->value, module);
}

int check_password_quality(Eval *e, const AccountsParams *p) {
        _cleanup_(pamconf_freep) PamFile *pam = NULL;
        static const PwqKey credits[] = { PWQ_DCREDIT, PWQ_UCREDIT, PWQ_LCREDIT, PWQ_OCREDIT };
        char notes[NOTES_MAX] = "", what[PWQ_SOURCE_MAX + 64], extra[NOTES_MAX], subject[PWQ_SOURCE_MAX];
        const char *module;
        const PamLine *l;
        PwqSettings s;
        int r, length, classes;
        size_t failed = 0;

        r = load_pam(e->a, COMMON_PASSWORD, &pam);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, COMMON_PASSWORD_SHOWN, r);
        malformed_note(&pam->stats, COMMON_PASSWORD_SHOWN, notes, sizeof(notes));

        l = pamconf_find(pam, "password", "pam_pwquality.so");
        module = "pam_pwquality";
        pwq_settings_init(&s, PWQ_MODULE_PWQUALITY);
        if (!l) {
                l = pamconf_find(pam, "password", "pam_cracklib.so");
                module = "pam_cracklib";
                pwq_settings_init(&s, PWQ_MODULE_CRACKLIB);
        }
        if (!l)
                return eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                                 "pam_pwquality is not used in %s: the settings have no effect%s",
                                 COMMON_PASSWORD_SHOWN, notes);

        r = module_line_check(e, pam, l, module, notes, true);
        if (r != 0)
                return r < 0 ? r : 0;

        if (s.module == PWQ_MODULE_PWQUALITY) {
                char **names = NULL;
                size_t n_names = 0;
                bool error;

                /* libpwquality reads pwquality.conf.d/NAME.conf in ASCII
                 * order first, then pwquality.conf: a later value wins, so
                 * the main file has the last word. */
                r = root_list_conf(e->a->root_fd, PWQUALITY_CONF_D, &names, &n_names);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 && r != -ENOENT)
                        return eval_emit_read_error(e, "/" PWQUALITY_CONF_D, r);
                for (size_t i = 0; i < n_names; i++) {
                        char path[512];

                        snprintf(path, sizeof(path), "%s/%s", PWQUALITY_CONF_D, names[i]);
                        r = apply_pwquality_file(e, &s, path, &error, notes, sizeof(notes));
                        if (r < 0 || error) {
                                names_free(names, n_names);
                                return r < 0 ? r : 0;
                        }
                }
                names_free(names, n_names);

                r = apply_pwquality_file(e, &s, PWQUALITY_CONF, &error, notes, sizeof(notes));
                if (r < 0 || error)
                        return r < 0 ? r : 0;
        }

        /* Options on the module's line override the files. The module
         * ignores (and logs) options it cannot take, and so do we. */
        for (size_t i = 0; i < l->n_args; i++) {
                const char *eq = strchr(l->args[i], '=');
                char key[64], source[PWQ_SOURCE_MAX];
                size_t n;

                if (!eq)
                        continue;
                n = (size_t) (eq - l->args[i]);
                if (n == 0 || n >= sizeof(key))
                        continue;
                memcpy(key, l->args[i], n);
                key[n] = '\0';
                snprintf(source, sizeof(source), "%s:%u", COMMON_PASSWORD_SHOWN, l->line);
                (void) pwq_settings_apply(&s, key, eq + 1, source);
        }

        if (s.s[PWQ_ENFORCING].value == 0) {
                describe_setting(&s, PWQ_ENFORCING, module, what, sizeof(what));
                return eval_emit(e, MAMORI_FAIL,
                                 source_path(s.s[PWQ_ENFORCING].source, subject, sizeof(subject)),
                                 "%s only warns about weak passwords (%s): they are accepted anyway%s",
                                 module, what, notes);
        }

        length = pwq_min_length(&s);
        classes = pwq_min_classes(&s);

        /* How the length comes about: minlen, less what credits take off. */
        describe_setting(&s, PWQ_MINLEN, module, what, sizeof(what));
        extra[0] = '\0';
        if (pwq_total_credit(&s) > 0) {
                notes_add(extra, sizeof(extra), ", less up to %d for character credits (", pwq_total_credit(&s));
                for (size_t i = 0, n = 0; i < ACC_ELEMENTSOF(credits); i++) {
                        char d[PWQ_SOURCE_MAX + 64];

                        if (s.s[credits[i]].value <= 0)
                                continue;
                        describe_setting(&s, credits[i], module, d, sizeof(d));
                        notes_add(extra, sizeof(extra), "%s%s", n++ > 0 ? "; " : "", d);
                }
                notes_add(extra, sizeof(extra), ")");
        }
        if (length < p->min_length) {
                failed++;
                if (s.s[PWQ_MINLEN].set)
                        source_path(s.s[PWQ_MINLEN].source, subject, sizeof(subject));
                else
                        snprintf(subject, sizeof(subject), "%s",
                                 s.module == PWQ_MODULE_PWQUALITY ? "/" PWQUALITY_CONF : COMMON_PASSWORD_SHOWN);
                r = eval_emit(e, MAMORI_FAIL, subject,
                              "%s accepts passwords as short as %d characters (%s%s%s); the rule asks for at least %ld%s",
                              module, length, what, extra,
                              s.s[PWQ_MINLEN].set ? "" :
                              s.module == PWQ_MODULE_PWQUALITY ?
                                ": minlen is set in neither /" PWQUALITY_CONF ", /" PWQUALITY_CONF_D " nor " COMMON_PASSWORD_SHOWN :
                                ": minlen is not set on its line in " COMMON_PASSWORD_SHOWN,
                              p->min_length, notes);
                if (r < 0)
                        return r;
        }

        /* How the classes come about: minclass, or negative credits. */
        {
                char cls[NOTES_MAX];

                describe_setting(&s, PWQ_MINCLASS, module, cls, sizeof(cls));
                for (size_t i = 0; i < ACC_ELEMENTSOF(credits); i++) {
                        char d[PWQ_SOURCE_MAX + 64];

                        if (s.s[credits[i]].value >= 0)
                                continue;
                        describe_setting(&s, credits[i], module, d, sizeof(d));
                        notes_add(cls, sizeof(cls), "; %s", d);
                }

                if (classes < p->min_classes) {
                        failed++;
                        if (s.s[PWQ_MINCLASS].set)
                                source_path(s.s[PWQ_MINCLASS].source, subject, sizeof(subject));
                        else
                                snprintf(subject, sizeof(subject), "%s",
                                         s.module == PWQ_MODULE_PWQUALITY ? "/" PWQUALITY_CONF : COMMON_PASSWORD_SHOWN);
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "%s requires %d character class%s (%s); the rule asks for at least %ld of digits, upper case, lower case and others%s",
                                      module, classes, classes == 1 ? "" : "es", cls, p->min_classes, notes);
                        if (r < 0)
                                return r;
                }
                if (failed > 0)
                        return 0;

                return eval_emit(e, MAMORI_PASS, COMMON_PASSWORD_SHOWN,
                                 "%s in %s (line %u) requires at least %d characters (%s%s) and %d character class%s (%s)%s",
                                 module, COMMON_PASSWORD_SHOWN, l->line, length, what, extra, classes,
                                 classes == 1 ? "" : "es", cls, notes);
        }
}

/* ---- password history ------------------------------------------------------------ */

/* pam_unix and pam_pwhistory read remember= with strtol() and keep at
 * most 400 passwords. */
static bool parse_remember(const char *s, long *ret) {
        long v;

        if (!s || parse_long(s, &v) < 0)
                return false;
        if (v < 0)
                v = 0;
        if (v > 400)
                v = 400;
        *ret = v;
        return true;
}

int check_password_history(Eval *e, const AccountsParams *p) {
        _cleanup_(pamconf_freep) PamFile *pam = NULL;
        char notes[NOTES_MAX] = "", hist_source[PWQ_SOURCE_MAX + 96] = "", unix_source[PWQ_SOURCE_MAX] = "";
        const PamLine *hist, *unix_line;
        long hist_remember = -1, unix_remember = -1;
        bool hist_broken = false;
        int r;

        r = load_pam(e->a, COMMON_PASSWORD, &pam);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, COMMON_PASSWORD_SHOWN, r);
        malformed_note(&pam->stats, COMMON_PASSWORD_SHOWN, notes, sizeof(notes));

        hist = pamconf_find(pam, "password", "pam_pwhistory.so");
        unix_line = pamconf_find(pam, "password", "pam_unix.so");

        if (hist) {
                hist_broken = module_line_check(e, pam, hist, "pam_pwhistory", notes, false) != 0;

                if (parse_remember(pamconf_arg(hist, "remember"), &hist_remember))
                        snprintf(hist_source, sizeof(hist_source), "remember=%ld on its line in %s:%u",
                                 hist_remember, COMMON_PASSWORD_SHOWN, hist->line);
                else {
                        _cleanup_(conf_file_freep) ConfFile *conf = NULL;
                        const char *conf_arg = pamconf_arg(hist, "conf");
                        const char *path = conf_arg && conf_arg[0] ? conf_arg : PWHISTORY_CONF;
                        const ConfEntry *c;
                        char shown[PWQ_SOURCE_MAX];

                        while (*path == '/')
                                path++;
                        snprintf(shown, sizeof(shown), "/%s", path);

                        /* pwhistory.conf is read by newer pam_pwhistory
                         * (Linux-PAM 1.5.3 and later); options on the line
                         * override it. */
                        r = load_conf(e->a, path, &conf);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0 && r != -ENOENT)
                                return eval_emit_read_error(e, shown, r);
                        c = conf_find(conf, "remember");
                        if (c && parse_remember(c->value, &hist_remember))
                                snprintf(hist_source, sizeof(hist_source), "remember=%ld from %s:%u",
                                         hist_remember, shown, c->line);
                        else {
                                hist_remember = 10;
                                snprintf(hist_source, sizeof(hist_source),
                                         "pam_pwhistory's default: remember is set neither on its line nor in %s",
                                         shown);
                        }
                        if (conf && conf->stats.n_malformed > 0) {
                                char note[160];

                                notes_add(notes, sizeof(notes), "%s",
                                          malformed_note(&conf->stats, shown, note, sizeof(note)));
                        }
                }
        }

        if (unix_line && parse_remember(pamconf_arg(unix_line, "remember"), &unix_remember))
                snprintf(unix_source, sizeof(unix_source), "remember=%ld on pam_unix's line in %s:%u",
                         unix_remember, COMMON_PASSWORD_SHOWN, unix_line->line);

        /* pam_unix's own history counts when pam_pwhistory's does not. */
        if (hist && !hist_broken && hist_remember >= p->min_remember)
                return eval_emit(e, MAMORI_PASS, COMMON_PASSWORD_SHOWN,
                                 "pam_pwhistory remembers the last %ld passwords (%s)%s",
                                 hist_remember, hist_source, notes);
        if (unix_remember >= p->min_remember)
                return eval_emit(e, MAMORI_PASS, COMMON_PASSWORD_SHOWN,
                                 "pam_unix remembers the last %ld passwords (%s)%s",
                                 unix_remember, unix_source, notes);

        if (hist && hist_broken) {
                r = module_line_check(e, pam, hist, "pam_pwhistory", notes, true);
                return r < 0 ? r : 0;
        }
        if (hist)
                return eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                                 "pam_pwhistory remembers only the last %ld password%s (%s); the rule asks for at least %ld%s",
                                 hist_remember, hist_remember == 1 ? "" : "s", hist_source, p->min_remember, notes);
        if (unix_remember >= 0)
                return eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                                 "pam_unix remembers only the last %ld password%s (%s) and pam_pwhistory is not used; the rule asks for at least %ld%s",
                                 unix_remember, unix_remember == 1 ? "" : "s", unix_source, p->min_remember, notes);
        return eval_emit(e, MAMORI_FAIL, COMMON_PASSWORD_SHOWN,
                         "neither pam_pwhistory nor pam_unix's remember= is used in %s: old passwords can be reused%s",
                         COMMON_PASSWORD_SHOWN, notes);
}

/* ---- password ageing ---------------------------------------------------------------- */

/* An account a person logs in to: a shell that is not a refusal. An empty
 * shell field means /bin/sh. */
static bool shell_is_login(const char *shell) {
        const char *b = text_basename(shell);

        return strcmp(b, "nologin") != 0 && strcmp(b, "false") != 0 && strcmp(b, "true") != 0;
}

int check_password_ageing(Eval *e, const AccountsParams *p) {
        _cleanup_(logindefs_freep) LoginDefs *defs = NULL;
        _cleanup_(passwd_file_freep) PasswdFile *pw = NULL;
        _cleanup_(shadow_file_freep) ShadowFile *sh = NULL;
        char notes[NOTES_MAX] = "", note[160], defs_what[192];
        const LoginDefsEntry *d;
        long max_days = -1, uid_min = 1000;
        size_t humans = 0, failed = 0;
        int r;

        r = load_logindefs(e->a, &defs);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/login.defs", r);
        r = load_passwd(e->a, &pw);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/passwd", r);
        r = load_shadow(e->a, &sh);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/shadow", r);

        notes_add(notes, sizeof(notes), "%s", malformed_note(&defs->stats, "/etc/login.defs", note, sizeof(note)));
        notes_add(notes, sizeof(notes), "%s", malformed_note(&pw->stats, "/etc/passwd", note, sizeof(note)));
        notes_add(notes, sizeof(notes), "%s", malformed_note(&sh->stats, "/etc/shadow", note, sizeof(note)));

        /* login.defs sets the maximum for accounts created from now on. */
        d = logindefs_find(defs, "PASS_MAX_DAYS");
        r = logindefs_get_long(defs, "PASS_MAX_DAYS", &max_days);
        if (r == -ENOENT)
                snprintf(defs_what, sizeof(defs_what), "PASS_MAX_DAYS is not set in /etc/login.defs (no limit)");
        else if (r < 0) {
                char shown[64];

                max_days = -1;
                snprintf(defs_what, sizeof(defs_what),
                         "PASS_MAX_DAYS \"%s\" on line %u of /etc/login.defs is not a number (the tools use no limit)",
                         text_safe(d->value, 40, shown, sizeof(shown)), d->line);
        } else if (max_days < 0)
                snprintf(defs_what, sizeof(defs_what), "PASS_MAX_DAYS is %ld on line %u of /etc/login.defs (no limit)",
                         max_days, d->line);
        else
                snprintf(defs_what, sizeof(defs_what), "PASS_MAX_DAYS is %ld on line %u of /etc/login.defs",
                         max_days, d->line);

        if (max_days < 0 || max_days > p->max_days) {
                failed++;
                r = eval_emit(e, MAMORI_FAIL, "/etc/login.defs",
                              "%s, above the limit of %ld days; it applies to accounts created from now on%s",
                              defs_what, p->max_days, notes);
                if (r < 0)
                        return r;
        }

        if (logindefs_get_long(defs, "UID_MIN", &uid_min) < 0 || uid_min < 0)
                uid_min = 1000;

        /* Existing accounts keep the maximum they were created with. */
        for (size_t i = 0; i < pw->n_entries; i++) {
                const PasswdEntry *u = &pw->entries[i];
                char subject[NAME_SHOW_MAX + 16], name[NAME_SHOW_MAX + 4];
                const ShadowEntry *s;

                if (passwd_find(pw, u->name) != u)
                        continue;
                if ((long) u->uid < uid_min || !shell_is_login(u->shell))
                        continue;
                humans++;

                s = shadow_find(sh, u->name);
                text_safe(u->name, NAME_SHOW_MAX, name, sizeof(name));
                subject_user(u->name, subject, sizeof(subject));
                if (!s) {
                        failed++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "user %s has no entry in /etc/shadow: no password ageing applies (the limit is %ld days)%s",
                                      name, p->max_days, notes);
                } else if (s->max_days < 0) {
                        failed++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "user %s has no maximum password age (field 5 of line %u of /etc/shadow is empty); the limit is %ld days%s",
                                      name, s->line, p->max_days, notes);
                } else if (s->max_days >= 99999) {
                        failed++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "user %s has a maximum password age of %ld days on line %u of /etc/shadow (never expires); the limit is %ld days%s",
                                      name, s->max_days, s->line, p->max_days, notes);
                } else if (s->max_days > p->max_days) {
                        failed++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "user %s has a maximum password age of %ld days on line %u of /etc/shadow, above the limit of %ld days%s",
                                      name, s->max_days, s->line, p->max_days, notes);
                } else
                        r = 0;
                if (r < 0)
                        return r;
        }

        if (failed > 0)
                return 0;
        return eval_emit(e, MAMORI_PASS, NULL,
                         "%s, and %zu human account%s (UID %ld or above, with a login shell) %s a maximum password age of at most %ld days in /etc/shadow%s",
                         defs_what, humans, humans == 1 ? "" : "s", uid_min, humans == 1 ? "has" : "have",
                         p->max_days, notes);
}

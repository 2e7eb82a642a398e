/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "bus_polkit.h"
#include "log.h"
#include "util.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorization flag: polkit may ask the administrator's password
 * through an authentication agent in the caller's session. */
#define POLKIT_ALLOW_USER_INTERACTION 1u
/* How long an administrator may take to type a password. */
#define POLKIT_TIMEOUT_USEC (120 * USEC_PER_SEC)

typedef struct Question {
        sd_bus_message *msg;             /* the method call waiting for the answer */
        char *action_id;
        PolkitContinuation cont;
        void *userdata;
} Question;

static void question_free(Question *q) {
        if (!q)
                return;
        sd_bus_message_unref(q->msg);
        free(q->action_id);
        free(q);
}

static int refuse(Question *q, const char *why) {
        log_notice("Refused %s to %s: %s", q->action_id, strempty(sd_bus_message_get_sender(q->msg)), why);
        return sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_ACCESS_DENIED,
                                          "Not authorised (%s): %s. This needs the administrator's "
                                          "credentials.", q->action_id, why);
}

static int on_answer(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Question *q = userdata;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int authorized = 0, challenge = 0, r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *pe = sd_bus_message_get_error(reply);
                r = refuse(q, pe && pe->message ? pe->message : "polkit could not be asked");
                goto done;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                r = refuse(q, "polkit's answer could not be read");
                goto done;
        }
        if (!authorized) {
                r = refuse(q, challenge ? "authentication is required and did not succeed"
                                        : "polkit says no");
                goto done;
        }
        log_info("polkit authorised %s for %s.", q->action_id, strempty(sd_bus_message_get_sender(q->msg)));
        r = q->cont(q->msg, q->userdata, &e);
        if (r < 0)
                r = sd_bus_error_is_set(&e) ? sd_bus_reply_method_error(q->msg, &e)
                                             : sd_bus_reply_method_errno(q->msg, r, NULL);
        sd_bus_error_free(&e);
done:
        question_free(q);
        return 0;
}

int bus_polkit_check_async(sd_bus_message *msg, const char *action_id, PolkitContinuation cont,
                           void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(msg);
        const char *sender = sd_bus_message_get_sender(msg);
        Question *q;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is asking: %m");
        if (euid == 0) {
                r = cont(msg, userdata, error);
                return r < 0 ? r : 0;
        }
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Not authorised: the caller has no bus name.");

        r = sd_bus_message_new_method_call(bus, &call, POLKIT_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r >= 0)
                /* subject: the caller's bus name, so polkit looks up its
                 * process and session itself and nothing can be spoofed. */
                r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s",
                                          sender, action_id);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{ss}us", 0, POLKIT_ALLOW_USER_INTERACTION, "");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot ask polkit: %m");

        q = calloc(1, sizeof *q);
        if (!q || !(q->action_id = strdup(action_id))) {
                free(q);
                return -ENOMEM;
        }
        q->msg = sd_bus_message_ref(msg);
        q->cont = cont;
        q->userdata = userdata;
        r = sd_bus_call_async(bus, NULL, call, on_answer, q, POLKIT_TIMEOUT_USEC);
        if (r < 0) {
                question_free(q);
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Not authorised: polkit cannot be reached.");
        }
        return 1;
}

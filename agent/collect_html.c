/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report as one self-contained HTML page: inline CSS and SVG,
 * no script, no web font, no image file, so that it opens offline and
 * from a mail attachment. Labels in Japanese with English beside them. */
#include <inttypes.h>
#include <string.h>

#include "collect_fleet.h"
#include "util.h"

/* A rule lists at most this many failing terminals by name. */
#define NAMES_MAX 40
#define SPARK_W 120
#define SPARK_H 28

static void esc(FILE *out, const char *s) {
        for (; s && *s; s++)
                switch (*s) {
                case '&':
                        fputs("&amp;", out);
                        break;
                case '<':
                        fputs("&lt;", out);
                        break;
                case '>':
                        fputs("&gt;", out);
                        break;
                case '"':
                        fputs("&quot;", out);
                        break;
                case '\'':
                        fputs("&#39;", out);
                        break;
                default:
                        fputc(*s, out);
                }
}

static const char *score_class(int score) {
        if (score < 0)
                return "none";
        if (score < 60)
                return "bad";
        if (score < 80)
                return "warn";
        return "good";
}

static const char css[] =
        "body{font-family:'Noto Sans CJK JP','IPAGothic','Hiragino Sans','Yu Gothic',Meiryo,sans-serif;"
        "margin:24px;color:#1c2430;background:#fff;font-size:14px}"
        "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #d0d7de;"
        "padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}"
        ".en{color:#57606a;font-weight:normal;font-size:.85em}.meta{color:#57606a;margin:0}"
        ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}"
        ".card{border:1px solid #d0d7de;border-radius:6px;padding:10px 16px;min-width:130px}"
        ".card b{display:block;font-size:26px}.card.alert{border-color:#cf222e;background:#fff0f0}"
        "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e8eb;padding:5px 8px;"
        "text-align:left;vertical-align:middle}th{background:#f4f6f8;font-size:12px}"
        "td.num{text-align:right;font-variant-numeric:tabular-nums}"
        ".bar{display:inline-block;width:90px;height:10px;background:#eef0f2;border-radius:3px;"
        "vertical-align:middle;margin-left:6px}.bar i{display:block;height:100%;border-radius:3px}"
        ".good i{background:#2da44e}.warn i{background:#d4a72c}.bad i{background:#cf222e}"
        ".score{font-weight:bold;display:inline-block;min-width:2.2em;text-align:right}"
        ".s-good{color:#1a7f37}.s-warn{color:#9a6700}.s-bad{color:#cf222e}.s-none{color:#8c959f}"
        ".badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;margin:1px 2px;"
        "white-space:nowrap}.b-ok{background:#dafbe1;color:#1a7f37}.b-down{background:#eaeef2;color:#424a53}"
        ".b-bad{background:#ffebe9;color:#cf222e;font-weight:bold}.b-info{background:#ddf4ff;color:#0969da}"
        ".sev-critical{background:#cf222e;color:#fff}.sev-high{background:#fb8f44;color:#fff}"
        ".sev-medium{background:#d4a72c;color:#fff}.sev-low{background:#8c959f;color:#fff}"
        "tr.down td{color:#8c959f;background:#fafbfc}tr.broken td{background:#fff5f5}"
        ".names{font-size:12px;color:#424a53}.err{font-size:12px;color:#57606a}"
        "code{font-size:12px}svg{vertical-align:middle}"
        "footer{margin-top:32px;color:#8c959f;font-size:12px}";

static void sparkline(FILE *out, const FleetTerminal *t) {
        size_t n = t->n_trend;
        bool open_line = false;

        fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", SPARK_W,
                SPARK_H, SPARK_W, SPARK_H);
        fputs("<title>", out);
        for (size_t i = 0; i < n; i++)
                if (t->trend[i] >= 0)
                        fprintf(out, "%s%d", i ? " " : "", t->trend[i]);
                else
                        fputs(i ? " -" : "-", out);
        fputs("</title>", out);
        /* Guide lines at 100 and 60. */
        fprintf(out, "<line x1=\"0\" y1=\"2\" x2=\"%d\" y2=\"2\" stroke=\"#eef0f2\"/>", SPARK_W);
        fprintf(out, "<line x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#f5d5d5\" stroke-dasharray=\"2 2\"/>",
                2 + 40.0 * (SPARK_H - 4) / 100, SPARK_W, 2 + 40.0 * (SPARK_H - 4) / 100);
        for (size_t i = 0; i < n; i++) {
                double x = n > 1 ? 2 + (double) i * (SPARK_W - 4) / (double) (n - 1) : SPARK_W / 2.0;
                double y;

                if (t->trend[i] < 0) {
                        if (open_line)
                                fputs("\"/>", out);
                        open_line = false;
                        continue;
                }
                y = 2 + (100.0 - t->trend[i]) * (SPARK_H - 4) / 100.0;
                if (!open_line) {
                        fputs("<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"", out);
                        open_line = true;
                }
                fprintf(out, "%.1f,%.1f ", x, y);
                if (i + 1 == n) {
                        fputs("\"/>", out);
                        open_line = false;
                        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#0969da\"/>", x, y);
                }
        }
        if (open_line)
                fputs("\"/>", out);
        fputs("</svg>", out);
}

static void status_badges(FILE *out, const FleetTerminal *t) {
        switch (t->state) {
        case FLEET_OK:
                fputs("<span class=\"badge b-ok\">正常 OK</span>", out);
                break;
        case FLEET_UNREACHABLE:
                fputs("<span class=\"badge b-down\">到達不能 unreachable</span>", out);
                break;
        case FLEET_HTTP_ERROR:
                fputs("<span class=\"badge b-down\">HTTPエラー HTTP error</span>", out);
                break;
        default:
                fputs("<span class=\"badge b-bad\">不正な報告 invalid report</span>", out);
        }
        if (t->chain == CHAIN_BROKEN)
                fputs("<span class=\"badge b-bad\">イベント連鎖の断絶 chain broken</span>", out);
        else if (t->chain == CHAIN_FIRST)
                fputs("<span class=\"badge b-info\">初回取得 first pull</span>", out);
        else if (t->chain == CHAIN_REBASELINED)
                fputs("<span class=\"badge b-info\">基準更新 rebaselined</span>", out);
        if (t->chain_detail && *t->chain_detail) {
                fputs("<div class=\"err\">", out);
                esc(out, t->chain_detail);
                fputs("</div>", out);
        }
        if (t->error) {
                fputs("<div class=\"err\">", out);
                esc(out, t->error);
                fputs("</div>", out);
        }
}

static void terminal_row(FILE *out, size_t rank, const FleetTerminal *t) {
        const CollectReport *r = &t->report;
        bool ok = t->state == FLEET_OK;
        int score = ok ? r->score : -1;

        fprintf(out, "<tr class=\"%s%s\"><td class=\"num\">%zu</td><td><b>", ok ? "" : "down",
                t->chain == CHAIN_BROKEN ? " broken" : "", rank);
        esc(out, t->terminal->name);
        fputs("</b><div class=\"err\">", out);
        esc(out, t->terminal->address);
        fprintf(out, ":%u", (unsigned) t->terminal->port);
        if (ok && r->terminal && !streq(r->terminal, t->terminal->name)) {
                fputs(" · 報告名 reports as ", out);
                esc(out, r->terminal);
        }
        fputs("</div></td>", out);
        if (score >= 0)
                fprintf(out, "<td><span class=\"score s-%s\">%d</span><span class=\"bar %s\"><i style=\"width:%d%%\"></i></span></td>",
                        score_class(score), score, score_class(score), score);
        else
                fputs("<td><span class=\"score s-none\">—</span></td>", out);
        fputs("<td>", out);
        sparkline(out, t);
        fputs("</td>", out);
        if (ok) {
                fprintf(out, "<td class=\"num\">%u</td><td>", r->fail);
                for (int s = 0; s < _COLLECT_SEVERITY_MAX; s++)
                        if (r->failing_by_severity[s])
                                fprintf(out, "<span class=\"badge sev-%s\">%s %u</span>", collect_severity_to_string(s),
                                        collect_severity_to_string(s), r->failing_by_severity[s]);
                fprintf(out, "</td><td class=\"num\">%u</td><td class=\"num\">%" PRIu64 "</td>", r->error, r->seq);
        } else
                fputs("<td></td><td></td><td></td><td></td>", out);
        fputs("<td>", out);
        status_badges(out, t);
        fputs("</td><td class=\"err\">", out);
        if (ok)
                esc(out, r->generated_at);
        fputs("</td></tr>\n", out);
}

static void clause_section(FILE *out, const Fleet *f, const FleetClause *c) {
        fputs("<h3>", out);
        esc(out, c->clause);
        fprintf(out, " <span class=\"en\">— %zu 台 terminals</span></h3>\n", c->n_terminals);
        fputs("<table><thead><tr><th style=\"width:34%\">ルール <span class=\"en\">Rule</span></th>"
              "<th>重大度 <span class=\"en\">Severity</span></th><th>台数 <span class=\"en\">Terminals</span></th>"
              "<th>端末 <span class=\"en\">Failing on</span></th></tr></thead><tbody>\n", out);
        for (size_t i = 0; i < c->n_rules; i++) {
                const FleetRule *fr = &c->rules[i];

                fputs("<tr><td>", out);
                esc(out, fr->rule->title_ja);
                fputs("<br><span class=\"en\">", out);
                esc(out, fr->rule->title_en);
                fputs("</span><br><code>", out);
                esc(out, fr->rule->id);
                fprintf(out, "</code></td><td><span class=\"badge sev-%s\">%s</span></td><td class=\"num\">%zu</td>"
                        "<td class=\"names\">", collect_severity_to_string(fr->rule->severity),
                        collect_severity_to_string(fr->rule->severity), fr->n_terminals);
                for (size_t t = 0; t < fr->n_terminals && t < NAMES_MAX; t++) {
                        if (t)
                                fputs(", ", out);
                        esc(out, f->terminals[fr->terminals[t]].terminal->name);
                }
                if (fr->n_terminals > NAMES_MAX)
                        fprintf(out, " … 他 %zu 台 (%zu more)", fr->n_terminals - NAMES_MAX,
                                fr->n_terminals - NAMES_MAX);
                fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
}

static void card(FILE *out, bool alert, const char *ja, const char *en, const char *value) {
        fprintf(out, "<div class=\"card%s\">%s <span class=\"en\">%s</span><b>%s</b></div>", alert ? " alert" : "",
                ja, en, value);
}

int fleet_write_html(const Fleet *f, FILE *out) {
        char when[ISO8601_SIZE] = "", buf[32];
        size_t down = f->n_state[FLEET_UNREACHABLE] + f->n_state[FLEET_HTTP_ERROR];

        if (f->generated_at > 0)
                format_iso8601((uint64_t) f->generated_at * USEC_PER_SEC, when);
        fputs("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              /* Nothing may be fetched: the page must work offline. */
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
              "<title>端末コンプライアンス報告 Fleet compliance report</title><style>", out);
        fputs(css, out);
        fputs("</style></head><body>\n<header><h1>端末コンプライアンス報告 <span class=\"en\">Fleet compliance report</span></h1>", out);
        fputs("<p class=\"meta\">作成 <span class=\"en\">generated</span> ", out);
        esc(out, when);
        fputs(" · mamori-collect " MAMORI_VERSION " · 詳細編 8.2(4)</p></header>\n<div class=\"cards\">", out);
        snprintf(buf, sizeof buf, "%zu", f->n);
        card(out, false, "端末", "terminals", buf);
        if (f->mean_score >= 0)
                snprintf(buf, sizeof buf, "%d", f->mean_score);
        else
                snprintf(buf, sizeof buf, "—");
        card(out, false, "平均スコア", "mean score", buf);
        snprintf(buf, sizeof buf, "%zu", down);
        card(out, down > 0, "到達不能", "not reached", buf);
        snprintf(buf, sizeof buf, "%zu", f->n_state[FLEET_INVALID]);
        card(out, f->n_state[FLEET_INVALID] > 0, "不正な報告", "invalid reports", buf);
        snprintf(buf, sizeof buf, "%zu", f->n_chain_broken);
        card(out, f->n_chain_broken > 0, "イベント連鎖の断絶", "chain broken", buf);
        fputs("</div>\n", out);

        fputs("<h2>端末一覧(スコアの低い順) <span class=\"en\">Terminals, lowest score first</span></h2>\n"
              "<table><thead><tr><th>#</th><th>端末 <span class=\"en\">Terminal</span></th>"
              "<th>スコア <span class=\"en\">Score</span></th><th>推移 <span class=\"en\">Trend</span></th>"
              "<th>失敗 <span class=\"en\">Fail</span></th><th>重大度別 <span class=\"en\">By severity</span></th>"
              "<th>エラー <span class=\"en\">Error</span></th><th>イベント <span class=\"en\">Event seq</span></th>"
              "<th>状態 <span class=\"en\">Status</span></th><th>報告時刻 <span class=\"en\">Report time</span></th>"
              "</tr></thead><tbody>\n", out);
        for (size_t i = 0; i < f->n; i++)
                terminal_row(out, i + 1, &f->terminals[f->order[i]]);
        fputs("</tbody></table>\n", out);

        fputs("<h2>条項別の失敗ルール <span class=\"en\">Failing rules by clause, across the fleet</span></h2>\n", out);
        if (f->n_clauses == 0)
                fputs("<p>失敗しているルールはありません。 <span class=\"en\">No rule is failing.</span></p>\n", out);
        for (size_t c = 0; c < f->n_clauses; c++)
                clause_section(out, f, &f->clauses[c]);

        fputs("<footer>スコア = 100 × 合格ルールの重み ÷ (合格 + 失敗ルールの重み)。重み: critical 10, high 6, medium 3, low 1。"
              "<br>Score = 100 × weight of passing rules ÷ weight of passing and failing rules; "
              "errors are counted apart, never as passes.</footer>\n</body></html>\n", out);
        return ferror(out) ? -EIO : 0;
}

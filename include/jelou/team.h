/* The team server's data model in Redis: key names, the Lua functions, stream ids. */
#ifndef JELOU_TEAM_H
#define JELOU_TEAM_H

#include <stddef.h>

/* Keys (docs/HACKING.md, "Team server"). */
#define TEAM_EVENTS "jc:events"       /* stream: kind, room, data (one JSON object) */
#define TEAM_OUTBOX "jc:outbox"       /* stream: id; read by TEAM_GROUP */
#define TEAM_GROUP "senders"
#define TEAM_AUDIT "jc:audit"         /* stream: agent, action, room, id, detail, time */
#define TEAM_TOKENS "jc:tokens"       /* hash: sha256(token) -> agent name */
#define TEAM_AGENTS "jc:agents"       /* hash: agent name -> sha256(token) */
#define TEAM_LEASE "jc:lease"         /* the sender lease: the holder's instance id */
#define TEAM_MSG_PREFIX "jc:msg:"     /* hash per message id: state, agent, room, body... */

/* A delivery key is remembered this long: Jelou's retries come within minutes. */
#define TEAM_DEDUP_TTL_S 86400
/* The sender lease: renewed every second, taken over this long after its holder died. */
#define TEAM_LEASE_MS 5000

/* The Lua library (FUNCTION LOAD REPLACE on every connect): every state change and its
 * event in one atomic step. */
extern const char team_functions[];

/* Compares two stream ids "MS-SEQ" numerically: <0, 0, >0. */
int team_id_cmp(const char *a, const char *b);

/* 1 when s is a stream id MS-SEQ (both decimal). */
int team_id_valid(const char *s);

#endif

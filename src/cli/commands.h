/* commands.h — the subcommands of `cimeter`, one file each under src/cli/. */
#ifndef CIM_COMMANDS_H
#define CIM_COMMANDS_H
/* Each returns the process exit code: 0 success, 1 some files failed (or
 * compare found a regression), 2 usage or fatal error (doc/cimeter.1). */
typedef struct CimCommand {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
    const char *help;                    /* one line for `cimeter --help` */
} CimCommand;

int cim_cmd_measure(int argc, char **argv);
int cim_cmd_tokenizers(int argc, char **argv);
int cim_cmd_train_text(int argc, char **argv);
int cim_cmd_report(int argc, char **argv);
int cim_cmd_merge(int argc, char **argv);
int cim_cmd_compare(int argc, char **argv);
int cim_cmd_fit(int argc, char **argv);
int cim_cmd_predict(int argc, char **argv);

/* A command's help text: on stdout for --help (code 0), on stderr after a bad
 * option (code 2); returns code, the exit code. */
int cim_cli_help(const char *help, int code);
/* Prints "cimeter CMD: message" to stderr and returns 2. */
int cim_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif

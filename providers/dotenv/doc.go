// Package dotenv is the "dotenv" target: it writes the Redis URL into one
// variable of a .env file, the file a Django settings module reads with
// python-decouple (config("REDIS_URL")) or python-dotenv.
//
// # The dialect
//
// Set, Unset and Lookup speak the dialect those readers share, as
// python-decouple's RepositoryEnv reads it:
//
//   - A line is a KEY=VALUE assignment; blank lines, lines whose first
//     non-blank character is '#' and lines without '=' assign nothing.
//   - KEY is the text before the first '=', trimmed. An "export " prefix is
//     accepted as python-dotenv and POSIX shells accept it (python-decouple
//     does not: it sees the key "export KEY"), so a line written for `source
//     .env` is still found and updated in place.
//   - VALUE is the text after the first '=', trimmed. When it both starts and
//     ends with the same quote character the outer quotes are removed. Inside
//     double quotes python-dotenv's backslash escapes (\\ \" \' \n \r \t
//     \a \b \f \v) are decoded; python-decouple keeps them verbatim. An
//     unquoted '#' is part of the value, as python-decouple reads it
//     (python-dotenv would drop " # ..." as a comment).
//   - When a variable is assigned more than once the last assignment wins,
//     as in both readers. Set therefore updates the last one and leaves the
//     earlier, ineffective ones alone; Unset removes them all, so that no
//     earlier value comes back.
//   - Lines end with "\n" or "\r\n"; a lone "\r" is not a line break.
//
// Set writes a value bare when it consists only of characters that every
// reader, a POSIX shell included, takes literally (letters, digits and
// _@%+=:,./-, which covers the URLs rediskit produces), else in single
// quotes, which python-decouple, python-dotenv and a shell all read
// literally, and only when the value holds a single quote, a backslash or a
// line break, in double quotes with backslash escapes. Only that last form
// reads differently in python-decouple, and no Redis URL needs it: URL
// userinfo percent-encodes those characters. (python-dotenv also expands
// "${NAME}" in every form unless called with interpolate=False; a URL cannot
// hold "${" either.)
package dotenv

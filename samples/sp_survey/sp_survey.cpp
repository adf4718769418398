// sp_survey: surveyor/respondent. The surveyor waits for R respondents, asks everyone at once
// and collects the answers that come before the deadline; each respondent answers one survey.
//
//     sp_survey surveyor --bind tcp://127.0.0.1:5562 --respondents 2 [--deadline-ms 1000]
//     sp_survey respondent --connect tcp://127.0.0.1:5562 NAME
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: sp_survey surveyor|respondent (--bind|--connect) URL [--respondents R] [NAME]\n");
        return 2;
    }
    const bool surveyor = !std::strcmp(argv[1], "surveyor");
    long respondents = 2;
    SpOptions opts;
    const char* name = "respondent";
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--respondents") && i + 1 < argc) respondents = std::atol(argv[++i]);
        else if (!std::strcmp(argv[i], "--deadline-ms") && i + 1 < argc) opts.survey_ms = static_cast<uint32_t>(std::atol(argv[++i]));
    }
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpSocket s;
    if (s.open(ctx, surveyor ? SpPattern::Surveyor : SpPattern::Respondent, opts) != Error::Ok) return 1;
    for (int i = 2; i < argc; ++i) {
        if ((!std::strcmp(argv[i], "--respondents") || !std::strcmp(argv[i], "--deadline-ms")) && i + 1 < argc) ++i;
        else if (argv[i][0] != '-') name = argv[i];
        else if (!sample::sp_endpoint(s, argc, argv, i)) return 2;
    }
    if (surveyor) {
        if (!sample::sp_run(ctx, 10000, [&] { return static_cast<long>(s.ready_pipes()) >= respondents; })) return 1;
        if (s.send("what is your name?", 18) != Error::Ok) return 1;
        long answers = 0;
        // Until the deadline (survey_status() says TimedOut then, as NNG's ETIMEDOUT).
        (void)sample::sp_run(ctx, 10000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                std::printf("answer: %.*s\n", static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
                m.release();
                ++answers;
            }
            return s.survey_status() == Error::TimedOut;
        });
        std::printf("%ld answers\n", answers);
        return answers == respondents ? 0 : 1;
    }
    bool answered = false;
    const bool ok = sample::sp_run(ctx, 10000, [&] {
        SpMessage m;
        while (!answered && s.try_read(m) == Read::Message) {
            answered = s.reply(m, name, std::strlen(name)) == Error::Ok;  // back to that survey
            m.release();
        }
        return answered;
    });
    sample::sp_linger(ctx, s);
    return ok ? 0 : 1;
}

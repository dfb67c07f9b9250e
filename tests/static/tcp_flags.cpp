// TCP's flag rules and classification hold at compile time.
#include <synack/tcp/flags.hpp>

#include <boost/hana/size.hpp>

using namespace synack::tcp;

static_assert(sizeof(flag_set) == 1, "a flag set costs the byte it is on the wire");
static_assert((flag::syn | flag::ack).letters() == "SA");
static_assert(flag_set::from_letters("AS") == (flag::syn | flag::ack));
static_assert(flag_set::from_bits(0x11) == (flag::fin | flag::ack));

static_assert(kinds::syn_ack::flags == (flag::syn | flag::ack));
static_assert(kinds::fin_ack::flags.letters() == "FA");
static_assert(decltype(syn_c | ack_c)::has_c<flag::ack> && !decltype(syn_c | ack_c)::has_c<flag::fin>);
static_assert(decltype(boost::hana::size(decltype(syn_c | ack_c | fin_c)::to_tuple()))::value == 3);
static_assert(std::is_same_v<decltype(syn_c | ack_c), decltype(ack_c | syn_c)>, "a typed set is the same type in any order");

static_assert(classify(flag::syn, 0).kind == segment_class::connection_request);
static_assert(classify(flag::syn | flag::ack, 0).kind == segment_class::connection_accept);
static_assert(classify(flag::psh | flag::ack, 1).kind == segment_class::data);
static_assert(classify(flag::syn | flag::fin, 0).anomalies.has(flag_anomaly::syn_with_fin));
static_assert(!is_sendable(flag::syn | flag::fin));

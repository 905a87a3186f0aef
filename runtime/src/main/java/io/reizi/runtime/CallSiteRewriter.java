package io.reizi.runtime;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites, in a hosted jar's own classes as they are loaded, the calls that would take the agent down or hand the
 * app the agent's class loader, into calls to {@link AppGuard} (JDK {@code java.lang.classfile}, no library):
 * {@code System.exit}, {@code Runtime.exit}, {@code Runtime.halt}; {@code ClassLoader.getSystemClassLoader},
 * {@code Class.getClassLoader}, {@code Thread.getContextClassLoader}, {@code Module.getClassLoader},
 * {@code ProtectionDomain.getClassLoader}; the ways to start a process ({@code ProcessBuilder.start/startPipeline},
 * {@code Runtime.exec}), so that what the app starts is part of the release's {@link ProcessTree}; and the
 * reflective ways to the first two groups ({@code Method.invoke}, {@code MethodHandles.Lookup.findStatic/findVirtual/
 * unreflect}), which are vetted first. A class that makes none
 * of these calls is defined from its bytes unchanged.
 */
final class CallSiteRewriter {
    /** One rewritten class, and how many call sites changed in it. */
    record Result(byte[] bytes, int sites) {}

    private record Site(String owner, String name, String descriptor) {}

    private static final ClassDesc GUARD = ClassDesc.of(AppGuard.class.getName());
    private static final ClassDesc METHOD = ClassDesc.of("java.lang.reflect.Method");
    private static final String METHOD_INTERNAL = "java/lang/reflect/Method";
    private static final String INVOKE_DESCRIPTOR = "(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;";
    private static final String LOADER = "()Ljava/lang/ClassLoader;";

    /** Each rewritten call site and the {@link AppGuard} method that replaces it (the receiver becomes the first argument). */
    private static final Map<Site, String> REDIRECTS = Map.ofEntries(
            Map.entry(new Site("java/lang/System", "exit", "(I)V"), "systemExit"),
            Map.entry(new Site("java/lang/Runtime", "exit", "(I)V"), "runtimeExit"),
            Map.entry(new Site("java/lang/Runtime", "halt", "(I)V"), "runtimeHalt"),
            Map.entry(new Site("java/lang/ClassLoader", "getSystemClassLoader", LOADER), "systemClassLoader"),
            Map.entry(new Site("java/lang/Class", "getClassLoader", LOADER), "classLoaderOf"),
            Map.entry(new Site("java/lang/Thread", "getContextClassLoader", LOADER), "contextClassLoaderOf"),
            Map.entry(new Site("java/lang/Module", "getClassLoader", LOADER), "moduleClassLoaderOf"),
            Map.entry(new Site("java/security/ProtectionDomain", "getClassLoader", LOADER), "domainClassLoaderOf"),
            Map.entry(new Site("java/lang/invoke/MethodHandles$Lookup", "findStatic",
                    "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/MethodHandle;"), "findStatic"),
            Map.entry(new Site("java/lang/invoke/MethodHandles$Lookup", "findVirtual",
                    "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/MethodHandle;"), "findVirtual"),
            Map.entry(new Site("java/lang/ProcessBuilder", "start", "()Ljava/lang/Process;"), "startProcess"),
            Map.entry(new Site("java/lang/ProcessBuilder", "startPipeline", "(Ljava/util/List;)Ljava/util/List;"),
                    "startPipeline"),
            Map.entry(new Site("java/lang/Runtime", "exec", "(Ljava/lang/String;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/Runtime", "exec", "([Ljava/lang/String;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/Runtime", "exec", "(Ljava/lang/String;[Ljava/lang/String;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/Runtime", "exec", "([Ljava/lang/String;[Ljava/lang/String;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/Runtime", "exec",
                    "(Ljava/lang/String;[Ljava/lang/String;Ljava/io/File;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/Runtime", "exec",
                    "([Ljava/lang/String;[Ljava/lang/String;Ljava/io/File;)Ljava/lang/Process;"), "exec"),
            Map.entry(new Site("java/lang/invoke/MethodHandles$Lookup", "unreflect",
                    "(Ljava/lang/reflect/Method;)Ljava/lang/invoke/MethodHandle;"), "unreflect"));

    private static final java.util.Set<String> NAMES = java.util.stream.Stream.concat(
            REDIRECTS.keySet().stream().map(Site::name), java.util.stream.Stream.of("invoke")).collect(
                    java.util.stream.Collectors.toUnmodifiableSet());
    private final ClassFile classFile;

    /**
     * One per app loader: stack maps of a rewritten class are computed again, which needs the class hierarchy; the
     * app's own classes are read as resources of its loader, once each (cached).
     */
    CallSiteRewriter(ClassLoader appLoader) {
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                .orElse(ClassHierarchyResolver.ofResourceParsing(appLoader)).cached()));
    }

    /** The class with its guarded call sites rewritten; the same bytes when it has none. */
    Result rewrite(byte[] bytes) {
        if (!mayReferToAGuardedMethod(bytes)) return new Result(bytes, 0);
        ClassModel model = classFile.parse(bytes);
        if (!refersToAGuardedMethod(model)) return new Result(bytes, 0);
        int[] sites = {0};
        CodeTransform transform = (b, e) -> {
            if (rewrite(b, e)) sites[0]++;
            else b.with(e);
        };
        byte[] out = classFile.transformClass(model, ClassTransform.transformingMethodBodies(transform));
        return new Result(out, sites[0]);
    }

    /**
     * A quick look at the raw bytes first: most classes name none of the guarded methods, and walking a constant pool
     * costs about ten times the search (the names are ASCII, so they appear as such in the pool's UTF-8).
     */
    private static boolean mayReferToAGuardedMethod(byte[] bytes) {
        String raw = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        return NAMES.stream().anyMatch(raw::contains);
    }

    private static boolean refersToAGuardedMethod(ClassModel model) {
        for (PoolEntry e : model.constantPool()) {
            if (e instanceof MemberRefEntry m && (isMethodInvoke(m.owner().asInternalName(), m.name().stringValue(),
                    m.type().stringValue()) || REDIRECTS.containsKey(site(m)))) {
                return true;
            }
        }
        return false;
    }

    private static Site site(MemberRefEntry m) {
        return new Site(m.owner().asInternalName(), m.name().stringValue(), m.type().stringValue());
    }

    private static boolean isMethodInvoke(String owner, String name, String descriptor) {
        return owner.equals(METHOD_INTERNAL) && name.equals("invoke") && descriptor.equals(INVOKE_DESCRIPTOR);
    }

    private static boolean rewrite(CodeBuilder b, CodeElement e) {
        if (!(e instanceof InvokeInstruction call) || call.opcode() == Opcode.INVOKESPECIAL
                || call.opcode() == Opcode.INVOKEINTERFACE) {
            return false;
        }
        String owner = call.owner().asInternalName();
        String name = call.name().stringValue();
        String descriptor = call.type().stringValue();
        if (isMethodInvoke(owner, name, descriptor)) {
            // Method.invoke checks access against its caller, so it stays in the app's code: the Method is vetted
            // first. Stack: method, target, args -> keep target and args in fresh locals, vet, put them back.
            int args = b.allocateLocal(TypeKind.REFERENCE);
            int target = b.allocateLocal(TypeKind.REFERENCE);
            b.astore(args).astore(target).dup()
                    .invokestatic(GUARD, "vetReflective", MethodTypeDesc.of(ConstantDescs.CD_void, METHOD))
                    .aload(target).aload(args);
            b.with(e);
            return true;
        }
        String redirect = REDIRECTS.get(new Site(owner, name, descriptor));
        if (redirect == null) return false;
        MethodTypeDesc type = call.typeSymbol();
        if (call.opcode() != Opcode.INVOKESTATIC) type = type.insertParameterTypes(0, call.owner().asSymbol());
        b.invokestatic(GUARD, redirect, type);
        return true;
    }

    static Optional<String> guardedName(Class<?> owner, String name) {
        String site = owner.getName().replace('.', '/');
        return REDIRECTS.keySet().stream().filter(s -> s.owner().equals(site) && s.name().equals(name))
                .map(s -> owner.getName() + "." + name).findFirst();
    }
}
